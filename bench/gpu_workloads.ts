/**
 * The GPU table of issue 25: the project's training step on `webgpu` against PyTorch on CUDA
 * (bench/pytorch_cuda_peer.py: same networks, same step, eager float32, TF32 off), in one run
 * so the ratios are same-run ratios. Prints the adapter, the NVIDIA driver when the kernel
 * module says it, the date, the commit, then one markdown row per case.
 *
 * Each case is `kind:depth:width:batch` built by the project's `buildModel` (mlp and cnn on
 * 28x28x1 inputs, the CIFAR ResNet on 32x32x3), stepped by `trainStep` with
 * `momentum({learningRate: 0.01, momentum: 0.9})` (or `lalc` where the case says so; the
 * peer then runs momentum, PyTorch has no LALC) on one fixed synthetic batch: `--warmup`
 * steps, then up to `--steps` timed steps, stopping at the first sync past `--cap` seconds
 * (the row then reads "< N steps in CAP s" with the rate of the steps it did). The step's
 * loss is read back at growing intervals (1, 2, 4, ... steps, never past the cap by more
 * than about one step), so the queue stays full as in the peer, which syncs every 5 steps.
 *
 * `--matmul` times the webgpu `matMul` at n = 1024, 4096, 8192 twice in the same run: tf.js'
 * own kernel and the project's (src/backend/webgpu_matmul.ts, switched with
 * `setWebgpuMatmul`), with their ratio; `--matmul-tiles` adds a row per tile of the
 * project's program forced on each size. `--conv` times a 3x3 `conv2d` on
 * [256, 32, 32, 64] -> 64 (same padding) and its input and filter gradients, each with tf.js'
 * webgpu kernels and with the project's (src/backend/webgpu_conv, switched with
 * `setWebgpuConv`) in the same run. All in TFLOP/s (2 flops per multiply-add), with the
 * peer's figure. `--matmul-kernel project` and `--webgpu-conv project` run the training-step
 * table with the project's matmul or convolutions (default `tfjs`). `--quick` runs every row
 * at tiny sizes: it checks the bench end to
 * end on a software adapter (lavapipe), where the numbers mean nothing.
 *
 * The peer runs only when `PYTHON -c "import torch; assert torch.cuda.is_available()"`
 * succeeds; otherwise the table says it was skipped and why.
 *
 * Usage (`deno task bench:gpu` is the first line):
 *   deno run --allow-read --allow-run=python3,/usr/bin/python3,git bench/gpu_workloads.ts
 *     [--matmul] [--matmul-tiles] [--conv] [--quick] [--steps 30] [--warmup 2] [--cap 60]
 *     [--no-peer] [--matmul-kernel tfjs|project]
 *     (--quick: 2 steps, 1 warm-up, 10 s unless given)
 *     [--python python3] [--webgpu-conv tfjs|project]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { choiceOption, CliError, intOption, numberOption, parseCommand } from "../src/cli/args.ts";
import { backendInfo, BackendUnavailableError, useBackend } from "../src/backend/backend.ts";
import {
  setWebgpuMatmul,
  setWebgpuMatmulTiling,
  WEBGPU_MATMULS,
  type WebgpuMatmul,
  webgpuMatmulRuns,
  type WebgpuMatmulTiling,
} from "../src/backend/webgpu_matmul.ts";
import { buildModel } from "../src/models/build.ts";
import type { ModelKind } from "../src/models/types.ts";
import { lalc } from "../src/optim/lalc.ts";
import { momentum } from "../src/optim/momentum.ts";
import { type StepTensors, trainStep } from "../src/train/step.ts";
import { setWebgpuConv, type WebgpuConvKernels } from "../src/backend/webgpu_conv/switch.ts";

/** One row of the table. */
export interface GpuCase {
  /** The row's label, as in issue 25. */
  readonly label: string;
  /** `buildModel`'s kind, depth and width (mlp, cnn: 28x28x1 inputs; resnet: 32x32x3). */
  readonly kind: ModelKind;
  readonly depth: number;
  readonly width: number;
  /** Samples per step. */
  readonly batch: number;
  /** The project's optimizer; the peer always runs momentum. */
  readonly optimizer: "momentum" | "lalc";
}

function row(
  label: string,
  spec: string,
  optimizer: GpuCase["optimizer"] = "momentum",
): GpuCase {
  const [kind, depth, width, batch] = spec.split(":");
  return { label, kind: kind as ModelKind, depth: +depth, width: +width, batch: +batch, optimizer };
}

/** The cases of issue 25's table, in its order (`kind:depth:width:batch`). */
export const GPU_CASES: readonly GpuCase[] = [
  row("W1 mlp:16:256:256", "mlp:16:256:256"),
  row("W2 cnn:6:32:128", "cnn:6:32:128"),
  row("mlp:16:256:4096", "mlp:16:256:4096"),
  row("mlp:16:256:4096, LALC", "mlp:16:256:4096", "lalc"),
  row("mlp:16:1024:8192", "mlp:16:1024:8192"),
  row("cnn:6:32:1024", "cnn:6:32:1024"),
  row("CIFAR ResNet-20 (16 ch), batch 256", "resnet:20:16:256"),
  row("CIFAR ResNet-20, batch 1024", "resnet:20:16:1024"),
  row("CIFAR ResNet-56, batch 1024", "resnet:56:16:1024"),
];

/** `--quick`: the same rows on networks small enough for a software adapter. */
export function quickCase(c: GpuCase): GpuCase {
  const tiny = { mlp: [2, 16], cnn: [2, 4], resnet: [8, 4] }[c.kind];
  return { ...c, depth: tiny[0], width: tiny[1], batch: 8 };
}

/** `kind:depth:width:batch` of a case (what the peer is given, without the batch). */
export function caseName(c: GpuCase): string {
  return `${c.kind}:${c.depth}:${c.width}:${c.batch}`;
}

function inputShape(kind: ModelKind): [number, number, number] {
  return kind === "resnet" ? [32, 32, 3] : [28, 28, 1];
}

/** What timing a case gave. */
export interface StepTiming {
  readonly steps: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
}

/**
 * Times the project's step on `c` on the active backend: `warmup` steps, then up to `steps`
 * timed steps, stopping at the first sync past `capSeconds`. Frees everything it made.
 */
export async function timeCase(
  c: GpuCase,
  steps: number,
  warmup: number,
  capSeconds: number,
): Promise<StepTiming> {
  const model = buildModel(
    { kind: c.kind, depth: c.depth, width: c.width, seed: 1 },
    inputShape(c.kind),
    10,
  );
  const optimizer = c.optimizer === "lalc"
    ? lalc({ learningRate: 0.01 })
    : momentum({ learningRate: 0.01, momentum: 0.9 });
  const x = tf.randomNormal([c.batch, ...inputShape(c.kind)], 0, 1, "float32", 7);
  const labels = tf.randomUniform([c.batch], 0, 10, "int32", 8) as tf.Tensor1D;
  let last: StepTensors | undefined;
  const step = () => {
    if (last !== undefined) tf.dispose([last.loss, last.norms]);
    last = trainStep(model, optimizer, x, labels);
  };
  const sync = async () => void (await last!.loss.data());
  try {
    for (let i = 0; i < warmup; i++) step();
    if (warmup > 0) await sync();
    const start = performance.now();
    let done = 0;
    let chunk = 1;
    let seconds = 0;
    while (done < steps) {
      const n = Math.min(chunk, steps - done);
      for (let i = 0; i < n; i++) step();
      done += n;
      await sync();
      seconds = (performance.now() - start) / 1000;
      if (seconds > capSeconds) break;
      // Double the unsynced run, but never past what fits in the time left.
      const fits = Math.floor((capSeconds - seconds) / (seconds / done));
      chunk = Math.max(1, Math.min(2 * chunk, fits));
    }
    return { steps: done, seconds, samplesPerSec: (done * c.batch) / seconds };
  } finally {
    if (last !== undefined) tf.dispose([last.loss, last.norms]);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, labels]);
  }
}

/** TFLOP/s of `fn` (which returns a tensor; `flops` per call), timed over `reps` calls. */
async function tflops(fn: () => tf.Tensor, flops: number, reps: number): Promise<number> {
  const read = async (t: tf.Tensor) => {
    // A sum reads back 4 bytes, not the whole product.
    const s = tf.sum(t);
    t.dispose();
    await s.data();
    s.dispose();
  };
  await read(fn());
  const start = performance.now();
  let y: tf.Tensor | undefined;
  for (let i = 0; i < reps; i++) {
    y?.dispose();
    y = fn();
  }
  await read(y!);
  return (reps * flops) / ((performance.now() - start) / 1000) / 1e12;
}

/**
 * `matMul` of two n x n float32 matrices with the webgpu matrix product `kernel` (and, for
 * the project's, `tiling`), TFLOP/s; NaN when the project's program was asked for but tf.js'
 * kernel ran (a shape it leaves to tf.js). Leaves the switches as it found them: tf.js'.
 */
export async function matmulTflops(
  n: number,
  reps: number,
  kernel: WebgpuMatmul = "tfjs",
  tiling: WebgpuMatmulTiling = "auto",
): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  setWebgpuMatmul(kernel);
  setWebgpuMatmulTiling(tiling);
  const runs = webgpuMatmulRuns();
  try {
    const rate = await tflops(() => tf.matMul(a, b), 2 * n ** 3, reps);
    return kernel === "project" && webgpuMatmulRuns() === runs ? NaN : rate;
  } finally {
    setWebgpuMatmul("tfjs");
    setWebgpuMatmulTiling("auto");
    tf.dispose([a, b]);
  }
}

/** The tiles `--matmul-tiles` forces, one row each. */
export const MATMUL_TILES: readonly WebgpuMatmulTiling[] = [
  "128x128",
  "128x128-k8",
  "64x64",
  "32x32",
];

/** The convolution kernels `--conv` times: the forward conv and its two gradients. */
export const CONV_KERNELS = ["forward", "inputGrad", "filterGrad"] as const;

/** One of {@link CONV_KERNELS}. */
export type ConvKernel = typeof CONV_KERNELS[number];

/**
 * A 3x3 same-padded `conv2d` of [batch, size, size, cin] -> cout (or, per `kernel`, its
 * input or filter gradient, run as the kernels tf.js' gradient calls), TFLOP/s. All three
 * do the same multiply-adds.
 */
export async function convTflops(
  batch: number,
  size: number,
  cin: number,
  cout: number,
  reps: number,
  kernel: ConvKernel = "forward",
): Promise<number> {
  const x = tf.randomNormal([batch, size, size, cin], 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, cin, cout], 0, 1, "float32", 2) as tf.Tensor4D;
  const dy = tf.randomNormal([batch, size, size, cout], 0, 1, "float32", 3) as tf.Tensor4D;
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" };
  const run = {
    forward: () => tf.conv2d(x, w, 1, "same"),
    inputGrad: () =>
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
        ...attrs,
        inputShape: x.shape,
      }) as tf.Tensor,
    filterGrad: () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        ...attrs,
        filterShape: w.shape,
      }) as tf.Tensor,
  }[kernel];
  try {
    const flops = 2 * batch * size * size * cout * cin * 9;
    return await tflops(run, flops, reps);
  } finally {
    tf.dispose([x, w, dy]);
  }
}

/** The peer's JSON key for each of {@link CONV_KERNELS}. */
const PEER_CONV_KEY: Record<ConvKernel, string> = {
  forward: "tflops",
  inputGrad: "inputGradTflops",
  filterGrad: "filterGradTflops",
};

/** The `--conv` table's row label of `kernel`. */
export function convLabel(kernel: ConvKernel, b: number, s: number, ci: number, co: number) {
  const what = {
    forward: "conv2d",
    inputGrad: "conv2d input grad",
    filterGrad: "conv2d filter grad",
  };
  return `${what[kernel]} 3x3 [${b}, ${s}, ${s}, ${ci}] -> ${co}`;
}

/** Formats a rate with thousands separators, no decimals. */
export function rate(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

async function run(exe: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(exe, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(r.success ? r.stdout : r.stderr).trim();
    return { ok: r.success, out: text.split("\n").at(-1) ?? "" };
  } catch (e) {
    return { ok: false, out: (e as Error).message };
  }
}

/** Why the CUDA peer cannot run with `python`, or null when it can. */
async function peerUnavailable(python: string): Promise<string | null> {
  const r = await run(python, ["-c", "import torch; assert torch.cuda.is_available()"]);
  if (r.ok) return null;
  return r.out === "AssertionError" ? "torch.cuda.is_available() is false" : r.out;
}

async function peer(python: string, args: string[]): Promise<Record<string, number> | string> {
  const script = new URL("./pytorch_cuda_peer.py", import.meta.url).pathname;
  const r = await run(python, [script, ...args]);
  if (!r.ok) return r.out;
  try {
    return JSON.parse(r.out);
  } catch {
    return `unreadable output: ${r.out}`;
  }
}

/** The NVIDIA kernel module's version line, when this is Linux with one loaded. */
function nvidiaDriver(): string {
  try {
    const text = Deno.readTextFileSync("/proc/driver/nvidia/version");
    return text.match(/Kernel Module\s+(\S+)/)?.[1] ?? text.split("\n")[0];
  } catch {
    return "unknown (no /proc/driver/nvidia/version)";
  }
}

async function commit(): Promise<string> {
  const head = await run("git", ["rev-parse", "--short", "HEAD"]);
  if (!head.ok) return `unknown (${head.out})`;
  const dirty = await run("git", ["status", "--porcelain", "--untracked-files=no"]);
  return dirty.ok && dirty.out !== "" ? `${head.out} (with uncommitted changes)` : head.out;
}

function fail(message: string, code = 2): never {
  console.error(`bench:gpu: ${message}`);
  Deno.exit(code);
}

const HELP = `usage: gpu_workloads.ts [--matmul] [--conv] [--quick] [options]

Issue 25's GPU table: the project's step on webgpu against PyTorch CUDA (when CUDA is there).

  --matmul          webgpu matMul TFLOP/s at n = 1024, 4096, 8192: tf.js' kernel and the
                    project's, same run
  --matmul-tiles    with --matmul: also the project's program forced onto each of its tiles
  --matmul-kernel K the training-step table's webgpu matmul: tfjs (default) or project
  --conv            a 3x3 conv2d [256, 32, 32, 64] -> 64 and its two gradients, TFLOP/s,
                    tf.js' webgpu kernels and the project's (same run)
  --quick           every row at tiny sizes (checks the bench end to end; numbers mean nothing)
  --steps N         timed steps per case (default 30; --quick: 2)
  --warmup N        warm-up steps (default 2; --quick: 1)
  --cap S           seconds per case before it stops (default 60; --quick: 10)
  --no-peer         skip PyTorch
  --counts          only count the webgpu dispatches, passes, submits and uploads of one
                    training step (bench/gpu_counts.ts), then stop
  --python EXE      the python with torch (default python3)
  --webgpu-conv K   the convolutions behind the step rows: project (default, the library's) or tfjs
  -h, --help        show this text`;

if (import.meta.main) {
  let parsed;
  let steps: number;
  let warmup: number;
  let cap: number;
  let convKernels: WebgpuConvKernels;
  let stepMatmul: WebgpuMatmul;
  try {
    parsed = parseCommand({
      name: "bench:gpu",
      help: HELP,
      options: {
        matmul: { type: "boolean" },
        "matmul-tiles": { type: "boolean" },
        "matmul-kernel": { type: "string", default: "tfjs" },
        conv: { type: "boolean" },
        quick: { type: "boolean" },
        steps: { type: "string" },
        warmup: { type: "string" },
        cap: { type: "string" },
        "no-peer": { type: "boolean" },
        counts: { type: "boolean" },
        python: { type: "string", default: "python3" },
        "webgpu-conv": { type: "string", default: "project" },
      },
    }, Deno.args);
    if (parsed === undefined) Deno.exit(0);
    const q = parsed.values.quick;
    // --quick checks that every row runs, not how fast: 1 warm-up and 2 timed steps suffice.
    steps = intOption("steps", parsed.values.steps ?? (q ? "2" : "30"), 1);
    warmup = intOption("warmup", parsed.values.warmup ?? (q ? "1" : "2"), 0);
    cap = numberOption("cap", parsed.values.cap ?? (q ? "10" : "60"), 1e-3);
    stepMatmul = choiceOption("matmul-kernel", parsed.values["matmul-kernel"], WEBGPU_MATMULS);
    convKernels = choiceOption("webgpu-conv", parsed.values["webgpu-conv"], ["tfjs", "project"]);
  } catch (e) {
    if (e instanceof CliError) fail(e.message, e.exitCode);
    throw e;
  }
  const v = parsed.values;
  try {
    await useBackend("webgpu");
  } catch (e) {
    if (e instanceof BackendUnavailableError) fail(e.message, 1);
    throw e;
  }
  if (v.counts) {
    // Exact counts, meaningful on any adapter: what the H200's per-dispatch costs price.
    const { printCounts } = await import("./gpu_counts.ts");
    console.log(`adapter: ${backendInfo().device}\ncommit: ${await commit()}`);
    await printCounts();
    Deno.exit(0);
  }
  const noPeer = v["no-peer"] ? "--no-peer" : await peerUnavailable(v.python);
  console.log(`adapter: ${backendInfo().device}`);
  console.log(`driver: ${nvidiaDriver()}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`commit: ${await commit()}`);
  console.log(`deno ${Deno.version.deno}, tfjs ${tf.version_core}, webgpu backend`);
  setWebgpuConv(convKernels);
  console.log(`webgpu convolutions of the step rows: ${convKernels} (--webgpu-conv)`);
  console.log(
    noPeer === null
      ? `peer: PyTorch CUDA (${v.python} bench/pytorch_cuda_peer.py), eager float32, TF32 off`
      : `peer: skipped (${noPeer})`,
  );
  if (v.quick) console.log("--quick: tiny sizes, the numbers say nothing about speed");
  const peerCell = (r: Record<string, number> | string, key: string, fmt: (n: number) => string) =>
    typeof r === "string" ? `failed: ${r}` : fmt(r[key]);
  const ratio = (ours: number, r: Record<string, number> | string | null, key: string) =>
    r === null || typeof r === "string" || Number.isNaN(ours) ? "-" : (ours / r[key]).toFixed(3);
  const tensorsBefore = tf.memory().numTensors;
  if (v.matmul || v.conv) {
    const tf3 = (n: number) => (Number.isNaN(n) ? "tf.js kernel ran" : n.toPrecision(3));
    const over = (x: number, y: number) =>
      Number.isNaN(x) || Number.isNaN(y) ? "-" : (x / y).toFixed(3);
    if (v.matmul) {
      console.log(
        "\n| kernel | tf.js webgpu TFLOP/s | project webgpu TFLOP/s | project / tf.js " +
          "| PyTorch CUDA TFLOP/s | tf.js / PyTorch | project / PyTorch |\n" +
          "| --- | --- | --- | --- | --- | --- | --- |",
      );
      for (const n of v.quick ? [64, 128, 256] : [1024, 4096, 8192]) {
        const reps = v.quick ? 2 : n >= 8192 ? 5 : n >= 4096 ? 10 : 30;
        const tfjs = await matmulTflops(n, reps, "tfjs");
        const project = await matmulTflops(n, reps, "project");
        const r = noPeer === null
          ? await peer(v.python, ["matmul", String(n), String(reps)])
          : null;
        console.log(
          `| matMul ${n} | ${tf3(tfjs)} | ${tf3(project)} | ${over(project, tfjs)} | ${
            r === null ? "skipped" : peerCell(r, "tflops", tf3)
          } | ${ratio(tfjs, r, "tflops")} | ${ratio(project, r, "tflops")} |`,
        );
        if (!v["matmul-tiles"]) continue;
        for (const tile of MATMUL_TILES) {
          const forced = await matmulTflops(n, reps, "project", tile);
          console.log(
            `| matMul ${n}, project tile ${tile} | - | ${tf3(forced)} | ${
              over(forced, tfjs)
            } | - | - | ${ratio(forced, r, "tflops")} |`,
          );
        }
      }
    }
    if (v.conv) {
      const [b, s, ci, co] = v.quick ? [4, 8, 8, 8] : [256, 32, 64, 64];
      const reps = v.quick ? 2 : 20;
      const r = noPeer === null
        ? await peer(v.python, ["conv", String(b), String(s), String(ci), String(co), "20"])
        : null;
      console.log(
        "\n| kernel | tf.js webgpu TFLOP/s | project webgpu TFLOP/s | project / tf.js " +
          "| PyTorch CUDA TFLOP/s | project / PyTorch |\n| --- | --- | --- | --- | --- | --- |",
      );
      const before = setWebgpuConv("tfjs");
      for (const kernel of CONV_KERNELS) {
        setWebgpuConv("tfjs");
        const theirs = await convTflops(b, s, ci, co, reps, kernel);
        setWebgpuConv("project");
        const ours = await convTflops(b, s, ci, co, reps, kernel);
        const key = PEER_CONV_KEY[kernel];
        const peerText = r === null
          ? "skipped"
          : typeof r === "string"
          ? `failed: ${r}`
          : r[key] === undefined
          ? "-"
          : tf3(r[key]);
        const vsPeer = r === null || typeof r === "string" || r[key] === undefined
          ? "-"
          : (ours / r[key]).toFixed(3);
        console.log(
          `| ${convLabel(kernel, b, s, ci, co)} | ${tf3(theirs)} | ${tf3(ours)} | ${
            (ours / theirs).toFixed(2)
          } | ${peerText} | ${vsPeer} |`,
        );
      }
      setWebgpuConv(before);
    }
  } else {
    console.log(
      `${warmup} warm-up steps, up to ${steps} timed steps, at most ${cap} s per case; samples/s`,
    );
    console.log(`webgpu matmul: ${stepMatmul} (--matmul-kernel)`);
    setWebgpuMatmul(stepMatmul);
    console.log(
      "\n| case (kind:depth:width:batch) | webgpu | PyTorch CUDA | ratio |\n| --- | --- | --- | --- |",
    );
    for (const full of GPU_CASES) {
      const c = v.quick ? quickCase(full) : full;
      let t: StepTiming;
      try {
        t = await timeCase(c, steps, warmup, cap);
      } catch (e) {
        // One case out of memory (or over a device limit) must not hide the other rows.
        console.log(`| ${c.label} | failed: ${(e as Error).message.split("\n")[0]} | - | - |`);
        continue;
      }
      const capped = t.steps < steps;
      const ours = capped
        ? `< ${steps} steps in ${cap} s (${t.steps}: ${rate(t.samplesPerSec)})`
        : rate(t.samplesPerSec);
      const r = noPeer === null
        ? await peer(v.python, [
          "step",
          `${c.kind}:${c.depth}:${c.width}`,
          String(c.batch),
          String(steps),
          String(warmup),
          String(cap),
        ])
        : null;
      const peerText = r === null
        ? "skipped"
        : (c.optimizer === "lalc" ? "(momentum) " : "") + peerCell(r, "samplesPerSec", rate);
      const label = v.quick ? `${c.label} (quick: ${caseName(c)})` : c.label;
      console.log(
        `| ${label} | ${ours} | ${peerText} | ${ratio(t.samplesPerSec, r, "samplesPerSec")} |`,
      );
    }
  }
  if (!(v.matmul || v.conv) && stepMatmul === "project") {
    console.log(`\nthe project's matmul ran ${webgpuMatmulRuns()} products (the rest: tf.js')`);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) {
    fail(`${leaked} tensors left after the cases; each case must free what it made`, 1);
  }
  // Leave at once: with lavapipe the WebGPU teardown can abort the process after the work is
  // done.
  Deno.exit(0);
}
