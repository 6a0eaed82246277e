/**
 * Reference training workloads on tf.js vs PyTorch (CPU) and numpy's matmul, in one run so the
 * numbers are comparable as ratios on a shared machine.
 *
 * - S1: `buildModel({kind: "mlp", depth: 16, width: 64})` with `lalc` (rate 0.1): the
 *   standard preset's depth-16 cell, batch 128; almost all of its step is kernel launches.
 * - W1: `buildModel({kind: "mlp", depth: 16, width: 256})`: 16 Dense(256, no bias)-BN-ReLU
 *   blocks on 28x28x1 (784) inputs, Dense(10) with bias; batch 256; `momentum`.
 * - W2: `buildModel({kind: "cnn", depth: 6, width: 32})`: 6 Conv3x3(32, same, no bias)-BN-ReLU
 *   blocks, 2x2 max-pool after blocks 2 and 4, global average pool, Dense(10); batch 128;
 *   `momentum`.
 *
 * Each step is the project's `trainStep` (forward, cross-entropy, tf.variableGrads, per-layer
 * gradient norms, update); `momentum` is `momentum({learningRate: 0.01, momentum: 0.9})`.
 * bench/pytorch_peer.py builds the same networks and step in PyTorch (LALC written per tensor,
 * as a PyTorch user would) and runs them at PyTorch's best: every layout of torch threads x
 * OpenBLAS threads (1, half or all cores each), 3 warm-up steps, `zero_grad(set_to_none=True)`,
 * the fastest layout wins; the report gives every layout's figure, the winner, the BLAS that
 * torch loaded and the kernels OpenBLAS picked for this processor.
 *
 * Both sides are timed alike: 3 warm-up steps, then 3 runs of `--steps` steps, the fastest
 * counts. Ours runs on `--threads` threads (default 1, as the grid runs each cell) and, on
 * native, in the default reproducible mode (oneDNN capped at AVX2, OpenBLAS pinned to Haswell)
 * unless `--fast` (the processor's best kernels). The machine's sgemm rate is measured in the
 * same run with OpenBLAS' `cblas_sgemm` through FFI (1024³, ours' threads and mode), and W1's
 * rate is reported as a fraction of it.
 *
 * Usage (`deno task bench:workloads` runs it with the default backend):
 *   deno run --allow-read --allow-env --allow-run=python3 --allow-ffi=<the native libraries>
 *     bench/backend_workloads.ts [--backend native|wasm|...] [--threads 1] [--fast]
 *     [--steps 20] [--also wasm] [--no-peer] [--python /usr/bin/python3]
 *     [--numpy-python python3]
 * (--allow-run must name both pythons when they differ, e.g. --allow-run=python3,/usr/bin/python3)
 * It prints the whole report as JSON, then a Markdown table: ms per step and samples/s of
 * both sides, and ours / PyTorch (best) in samples/s.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { choiceOption, intOption, parseCommand } from "../src/cli/args.ts";
import { guard, startBackend } from "../src/cli/guard.ts";
import { backendInfo, BACKENDS, defaultBackend, useBackend } from "../src/backend/backend.ts";
import { loadNativeLibs, setNativeKernelMode } from "../src/backend/native_ffi.ts";
import { describeKernels } from "../src/backend/kernel_identity.ts";
import { buildModel } from "../src/models/build.ts";
import type { ModelSpec } from "../src/models/types.ts";
import { lalc } from "../src/optim/lalc.ts";
import { momentum } from "../src/optim/momentum.ts";
import { type StepTensors, trainStep } from "../src/train/step.ts";
import { setFusedKernels } from "../src/kernels/switch.ts";

/** Forward matmul FLOPs per sample of W1 (2 per multiply-add); training costs 3x this. */
export const W1_FORWARD_FLOPS = 2 * (784 * 256 + 15 * 256 * 256 + 256 * 10);

/** The reference workloads. */
export const WORKLOADS = ["S1", "W1", "W2"] as const;

/** One of {@link WORKLOADS}. */
export type WorkloadName = typeof WORKLOADS[number];

const SPECS: Record<
  WorkloadName,
  { spec: ModelSpec; batch: number; optimizer: () => tf.Optimizer }
> = {
  S1: {
    spec: { kind: "mlp", depth: 16, width: 64, seed: 1 },
    batch: 128,
    optimizer: () => lalc({ learningRate: 0.1 }),
  },
  W1: {
    spec: { kind: "mlp", depth: 16, width: 256, seed: 1 },
    batch: 256,
    optimizer: () => momentum({ learningRate: 0.01, momentum: 0.9 }),
  },
  W2: {
    spec: { kind: "cnn", depth: 6, width: 32, seed: 1 },
    batch: 128,
    optimizer: () => momentum({ learningRate: 0.01, momentum: 0.9 }),
  },
};

/** A workload ready to step: the real model, optimizer and one fixed batch. */
export interface Workload {
  /** Samples per step. */
  readonly batch: number;
  /** Runs one training step; the previous step's outputs are freed. */
  step(): Promise<void>;
  /** Waits for the last step's loss (wasm runs synchronously; other backends may not). */
  finish(): Promise<number>;
  /** Frees the model, optimizer and batch. */
  dispose(): void;
}

/**
 * Builds `name` with the project's `buildModel`, its optimizer (`lalc` rate 0.1 for S1,
 * `momentum` rate 0.01, mu 0.9 otherwise) and `trainStep` on 28x28x1 inputs and 10 classes.
 */
export function makeWorkload(name: WorkloadName): Workload {
  const { spec, batch } = SPECS[name];
  const model = buildModel(spec, [28, 28, 1], 10);
  const optimizer = SPECS[name].optimizer();
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 7);
  const labels = tf.randomUniform([batch], 0, 10, "int32", 8) as tf.Tensor1D;
  let last: StepTensors | undefined;
  return {
    batch,
    step: () => {
      if (last !== undefined) tf.dispose([last.loss, last.norms]);
      last = trainStep(model, optimizer, x, labels);
      return Promise.resolve();
    },
    finish: async () => (await last!.loss.data())[0],
    dispose: () => {
      if (last !== undefined) tf.dispose([last.loss, last.norms]);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, labels]);
    },
  };
}

/** Warm-up steps before timing, on both sides (the peer's `--warmup`). */
/**
 * Kernels the engine dispatches in one training step of workload `name` (after one warm-up
 * step, so that one-time initialization is not counted), as `tf.profile` lists them.
 */
export async function kernelsPerStep(name: WorkloadName): Promise<number> {
  const w = makeWorkload(name);
  try {
    await w.step();
    await w.finish();
    const info = await tf.profile(() => {
      w.step();
    });
    await w.finish();
    return info.kernels.length;
  } finally {
    w.dispose();
  }
}

export const WARMUP = 3;
/** Timed runs of `steps` steps, on both sides; the fastest counts (the peer's `--repeats`). */
export const REPEATS = 3;

/**
 * Times `name`: {@link WARMUP} steps, then {@link REPEATS} runs of `steps` steps; returns the
 * fastest run's samples per second, as bench/pytorch_peer.py times the peer.
 */
export async function timeWorkload(name: WorkloadName, steps: number): Promise<number> {
  const w = makeWorkload(name);
  try {
    for (let i = 0; i < WARMUP; i++) await w.step();
    await w.finish();
    let best = Infinity;
    for (let r = 0; r < REPEATS; r++) {
      const start = performance.now();
      for (let i = 0; i < steps; i++) await w.step();
      await w.finish();
      best = Math.min(best, performance.now() - start);
    }
    return (steps * w.batch) / (best / 1000);
  } finally {
    w.dispose();
  }
}

/**
 * Runs a python script and parses its last stdout line as JSON; the error's last line when it
 * fails. OPENBLAS_CORETYPE is left out of its environment: the reproducible mode sets it in
 * this process (and this machine may set it for everyone), and the peer runs OpenBLAS as a
 * user does, on the kernels it picks for the processor.
 */
async function python(
  exe: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, unknown> | string> {
  const inherited = Deno.env.toObject();
  delete inherited.OPENBLAS_CORETYPE;
  try {
    const out = await new Deno.Command(exe, {
      args,
      env: { ...inherited, ...env },
      clearEnv: true,
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) return new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)!;
    return JSON.parse(text.split("\n").at(-1)!);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Prints the processor's model name and flags as JSON (Deno reads /proc only with -A). */
const CPUINFO = "import json\n" +
  "f = {l.split(':')[0].strip(): l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') " +
  "if ':' in l}\n" +
  "print(json.dumps({'model': f.get('model name', 'unknown'), 'flags': f.get('flags', '')}))";

/** The processor's model name and its vector instruction sets, read by `exe` (a python). */
export async function cpuInfo(
  exe: string,
): Promise<{ model: string; avx512f: boolean | null; avx2: boolean | null; cores: number }> {
  const info = await python(exe, ["-c", CPUINFO]);
  const cores = navigator.hardwareConcurrency;
  if (typeof info === "string") {
    return { model: `unknown (${info})`, avx512f: null, avx2: null, cores };
  }
  const flags = new Set(String(info.flags).split(/\s+/));
  return {
    model: String(info.model),
    avx512f: flags.has("avx512f"),
    avx2: flags.has("avx2"),
    cores,
  };
}

const NUMPY = "import numpy as np, time, json\n" +
  "a = np.random.rand(1024, 1024).astype(np.float32); b = a.copy(); a @ b\n" +
  "t = time.perf_counter()\nfor _ in range(20): a @ b\n" +
  "print(json.dumps({'gflops': 20 * 2 * 1024**3 / (time.perf_counter() - t) / 1e9}))";

/** Where `libblas.so.3` (the peer's BLAS on Debian) resolves to, or why unknown. */
export function systemBlas(): string {
  try {
    return Deno.realPathSync("/usr/lib/x86_64-linux-gnu/libblas.so.3");
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

/**
 * GFLOP/s of OpenBLAS' `cblas_sgemm` on 1024³ through FFI, on the threads last set with
 * `useBackend("native", { threads })`; null without the native libraries.
 */
export function sgemmGflops(reps = 10): number | null {
  const libs = loadNativeLibs();
  if (typeof libs === "string") return null;
  const n = 1024;
  const a = new Float32Array(n * n).map((_, i) => (i % 7) / 7);
  const c = new Float32Array(n * n);
  const run = () => libs.blas.cblas_sgemm(101, 111, 111, n, n, n, 1, a, n, a, n, 0, c, n);
  run();
  const start = performance.now();
  for (let i = 0; i < reps; i++) run();
  return (reps * 2 * n ** 3) / ((performance.now() - start) / 1000) / 1e9;
}

/** "yes", "no" or "unknown". */
function yesNo(x: boolean | null): string {
  return x === null ? "unknown" : x ? "yes" : "no";
}

/** A number with `digits` decimals, or "-" when missing. */
function fixed(x: unknown, digits: number): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "-";
}

/** The report's Markdown table: both sides per workload and their ratio in samples/s. */
export function summaryTable(report: Record<string, unknown>): string {
  const lines = [
    "| workload | kernels per step | ours, ms/step | ours unfused, ms/step (kernels) " +
    "| PyTorch (best), ms/step | PyTorch layout (torch x BLAS threads) " +
    "| ours / PyTorch (samples/s) |",
    "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
  ];
  for (const name of WORKLOADS) {
    const row = report[name] as Record<string, unknown> | undefined;
    if (row === undefined) continue;
    const batch = SPECS[name].batch;
    const ours = 1000 * batch / (row.tfjsSamplesPerSec as number);
    const torch = row.torch as Record<string, unknown> | string | undefined;
    let peer = "-", layout = typeof torch === "string" ? `failed: ${torch}` : "not run";
    if (typeof torch === "object") {
      peer = fixed(torch.msPerStep, 2);
      const best = torch.best as { torchThreads: number; blasThreads: number };
      const all =
        (torch.layouts as { torchThreads: number; blasThreads: number; msPerStep: number }[])
          .map((l) => `${l.torchThreads}x${l.blasThreads} ${l.msPerStep.toFixed(1)}`).join(", ");
      layout = `**${best.torchThreads}x${best.blasThreads}** (all, ms: ${all})`;
    }
    const unfused = row.unfused as { samplesPerSec: number; kernelsPerStep: number } | undefined;
    const reference = unfused === undefined
      ? "-"
      : `${(1000 * batch / unfused.samplesPerSec).toFixed(2)} (${unfused.kernelsPerStep})`;
    lines.push(
      `| ${name} | ${row.kernelsPerStep ?? "-"} | ${
        ours.toFixed(2)
      } | ${reference} | ${peer} | ${layout} | ${
        typeof row.ratioVsTorch === "number" ? `**${row.ratioVsTorch.toFixed(2)}x**` : "-"
      } |`,
    );
  }
  return lines.join("\n");
}

const HELP = `usage: backend_workloads.ts [options]

The reference workloads (S1, W1, W2) on this project's backend and on PyTorch at its best, in
one run, with the ratio per workload.

  --backend NAME        ${BACKENDS.join(", ")} (default: native where its libraries load, else wasm)
  --also NAME           also time this backend on each workload, for a same-run ratio
  --threads N           native threads (default 1, as a grid runs each cell)
  --fast                native: the processor's best kernels, not the reproducible ones
  --steps N             timed steps per workload (default 20)
  --unfused-too         also time each workload on the unfused reference kernels
                        (setFusedKernels(false)), for a same-run fused / unfused ratio
  --no-peer             skip PyTorch and numpy
  --python PATH         the python with torch (default /usr/bin/python3)
  --numpy-python PATH   the python with numpy (default python3)
  -h, --help            show this text`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommand({
    name: "bench:workloads",
    help: HELP,
    options: {
      backend: { type: "string" },
      also: { type: "string" },
      threads: { type: "string", default: "1" },
      fast: { type: "boolean" },
      steps: { type: "string", default: "20" },
      "unfused-too": { type: "boolean" },
      "no-peer": { type: "boolean" },
      // Debian's python3-torch lives in /usr/bin/python3's site-packages.
      python: { type: "string", default: "/usr/bin/python3" },
      // numpy with OpenBLAS (the machine's float32 ceiling); Debian's numpy uses generic BLAS.
      "numpy-python": { type: "string", default: "python3" },
    },
  }, args);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const steps = intOption("steps", values.steps, 1);
  const threads = intOption("threads", values.threads, 1, 1024);
  const also = values.also === undefined ? undefined : choiceOption("also", values.also, BACKENDS);
  const kernels = values.fast ? "fast" : "reproducible";
  // Before the default backend is probed: that opens the native libraries, in this mode.
  setNativeKernelMode(kernels);
  const backend = values.backend === undefined
    ? await defaultBackend()
    : choiceOption("backend", values.backend, BACKENDS);
  await startBackend(() => useBackend(backend, { threads, kernels }));
  const info = backendInfo();
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpu: await cpuInfo(values.python),
    backend: info,
    kernels: describeKernels(info.kernels),
    steps,
    warmup: WARMUP,
    repeats: REPEATS,
    peerSystemBlas: systemBlas(),
  };
  const sgemm = sgemmGflops();
  report.sgemmGflops1024 = sgemm;
  for (const name of WORKLOADS) {
    const tfjs = await timeWorkload(name, steps);
    const row: Record<string, unknown> = {
      tfjsSamplesPerSec: tfjs,
      kernelsPerStep: await kernelsPerStep(name),
    };
    if (values["unfused-too"]) {
      // The reference path on the same workload, right after: a ratio from one run.
      setFusedKernels(false);
      try {
        const unfused = await timeWorkload(name, steps);
        row.unfused = {
          samplesPerSec: unfused,
          kernelsPerStep: await kernelsPerStep(name),
          fusedSpeedup: tfjs / unfused,
        };
      } finally {
        setFusedKernels(true);
      }
    }
    if (also !== undefined) {
      // Another backend on the same workload, right after: a ratio from one run.
      await useBackend(also, { threads });
      const other = await timeWorkload(name, steps);
      await useBackend(info.name, { threads });
      row.also = { backend: also, samplesPerSec: other, ratio: tfjs / other };
    }
    if (!values["no-peer"]) {
      const torch = await python(values.python, [
        "bench/pytorch_peer.py",
        name,
        String(steps),
        "--warmup",
        String(WARMUP),
        "--repeats",
        String(REPEATS),
      ]);
      row.torch = torch;
      if (typeof torch === "object") row.ratioVsTorch = tfjs / (torch.samplesPerSec as number);
    }
    if (name === "W1") {
      row.tfjsGflops = (tfjs * 3 * W1_FORWARD_FLOPS) / 1e9;
      if (sgemm !== null) row.fractionOfSgemm = (row.tfjsGflops as number) / sgemm;
    }
    report[name] = row;
  }
  if (!values["no-peer"]) {
    // All cores (OpenBLAS' default), and one thread: wasm runs one.
    const numpy = await python(values["numpy-python"], ["-c", NUMPY]);
    const numpy1 = await python(values["numpy-python"], ["-c", NUMPY], {
      OPENBLAS_NUM_THREADS: "1",
      OMP_NUM_THREADS: "1",
    });
    report.numpyMatmul1024 = numpy;
    report.numpyMatmul1024OneThread = numpy1;
    const w1row = report.W1 as Record<string, number>;
    if (typeof numpy === "object") {
      w1row.fractionOfNumpyCeiling = w1row.tfjsGflops / (numpy.gflops as number);
    }
    if (typeof numpy1 === "object") {
      w1row.fractionOfNumpyOneThread = w1row.tfjsGflops / (numpy1.gflops as number);
    }
  }
  console.log(JSON.stringify(report, null, 2));
  const cpu = report.cpu as Awaited<ReturnType<typeof cpuInfo>>;
  const peer = WORKLOADS.map((n) => (report[n] as Record<string, unknown>).torch)
    .find((t) => typeof t === "object") as Record<string, unknown> | undefined;
  const blas = peer?.blas as Record<string, unknown> | undefined;
  console.log(
    `\n${report.date}, ${cpu.model}, ${cpu.cores} cores, avx512f ${yesNo(cpu.avx512f)}, ` +
      `avx2 ${yesNo(cpu.avx2)}\n` +
      `ours: ${report.kernels}\n` +
      (peer === undefined
        ? "PyTorch: not run (--no-peer or failed)\n"
        : `PyTorch ${peer.torch}, ${blas?.api ?? ""} ${blas?.version ?? ""} (${blas?.library}, ${
          blas?.architecture ?? "?"
        } kernels), best of the layouts torch x BLAS threads, ${WARMUP} warm-up steps, ` +
          `zero_grad(set_to_none=True), fastest of ${REPEATS} runs of ${steps} steps\n`),
  );
  console.log(summaryTable(report));
  return 0;
}

if (import.meta.main) Deno.exit(await guard("bench:workloads", () => main(Deno.args)));
