/**
 * The WebGPU work of one training step, counted (src/backend/webgpu_counts.ts): dispatches,
 * compute passes, queue submits, uploads of CPU-held tensors and reads per step, and why
 * each pass ended. Counts are exact on any adapter (lavapipe included); the issue's H200
 * figures price them (a dispatch: 10 us in an open pass, 43 us with a pass of its own,
 * 67 us with a submit of its own).
 *
 * Each case is stepped by the project's `trainStep` with `momentum({learningRate: 0.01,
 * momentum: 0.9})` (fused kernels on) on one fixed synthetic batch: `warmup` steps (the
 * buffer pool and pipelines fill), then `steps` counted steps, the losses read every
 * `readEvery` steps in one transfer as `trainRun` does (READ_EVERY = 8) and once at the end.
 *
 * What it found (lavapipe, tf.js 4.22, 8 steps, 1 read): the MLP 16x64 at batch 128 records
 * 278 dispatches a step in 18.6 passes and as many submits; every pass now ends at a submit,
 * which tf.js makes every 15 dispatches (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE; 1000 measured
 * slower on the H200, so left alone) or at a read. Uniforms go by `queue.writeBuffer` and end
 * no pass. Before this bench's cuts, tf.js' backward seed (`ones([])`) and `mean` gradient
 * (`ones(x.shape)`, `N`) were made in JavaScript and uploaded every step (1 upload in the
 * MLP, 3 in a CNN: 0.25 and 2.75 pass ends a step). What was left was dispatches: 100 of
 * the 278 were the fused momentum update's (two per tensor: tf.js gives a program one
 * output) and 112 the fused BN's (7 per layer). With programs that write several outputs
 * (src/kernels/webgpu_multi_output.ts) the update takes one dispatch a tensor and BN 4 a
 * layer: 180 dispatches in 12.25 passes and submits (the small CNN cnn:6:32:128: 130 -> 92),
 * the same losses to the last printed digit. With the device's own storage buffer limit (32 on
 * lavapipe: src/backend/webgpu_device.ts) the update goes by chunks of 6 tensors and the step
 * norms by 31: 133.25 dispatches in 9 passes and submits (cnn:6:32:128: 74.25); the chunks
 * change no number. With batch norm in one dispatch each way at an MLP's rows: 101.25
 * dispatches in 6.75 passes and 7 submits, the same losses.
 *
 * Usage: `deno run --allow-read --allow-env bench/gpu_counts.ts [--steps 8] [--warmup 2]
 * [--read-every 8] [--optimizer momentum|lalc] [--gpu-time] [--bn-one-dispatch-rows N]
 * [--bn-blocked-rows N] [--case mlp:16:64:128 ...]`; the two row bounds choose batch norm's
 * webgpu programs (src/kernels/batch_norm_act/webgpu.ts; Infinity for never), so that one GPU
 * run can time each way on the same shapes;
 * `bench/gpu_workloads.ts --counts` runs it. `--gpu-time` adds the GPU time of 2 more steps
 * per program (timestamp queries: each program in a pass of its own), and its share of the
 * untimed step's wall time: on a GPU, how much of a step the GPU works and in which kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { countWebgpuWork, type WebgpuCounts } from "../src/backend/webgpu_counts.ts";
import { webgpuKernelTimes } from "../src/backend/webgpu_kernel_times.ts";
import { buildModel } from "../src/models/build.ts";
import type { ModelKind } from "../src/models/types.ts";
import { lalc } from "../src/optim/lalc.ts";
import { momentum } from "../src/optim/momentum.ts";
import { type StepTensors, trainStep } from "../src/train/step.ts";

/** `kind:depth:width:batch` cases counted by default: the suite's MLP, a small CNN. */
export const COUNT_CASES: readonly string[] = ["mlp:16:64:128", "cnn:3:8:32"];

/** What {@link countSteps} measured. */
export interface StepCounts {
  /** `kind:depth:width:batch`. */
  readonly name: string;
  /** Counted steps. */
  readonly steps: number;
  /** Totals over the counted steps, reads included. */
  readonly total: WebgpuCounts;
  /** The losses of the counted steps (to compare runs with and without a change). */
  readonly losses: number[];
  /** `tf.memory().numTensors` after the warm-up's read and after each later read. */
  readonly tensors: number[];
  /** Milliseconds in the `trainStep` calls (JavaScript recording the work, no waiting). */
  readonly stepMs: number;
  /** Milliseconds from the first counted step to the end of the last read. */
  readonly wallMs: number;
  /**
   * With `gpuTime`: the GPU time of `steps` more steps by program (timestamp queries,
   * src/backend/webgpu_kernel_times.ts), or why there is none.
   */
  readonly gpu?: GpuTimes | string;
}

/** Kernel times of some steps, summed by program. */
export interface GpuTimes {
  /** Steps timed. */
  readonly steps: number;
  /** Per program name: dispatches and milliseconds over the timed steps. */
  readonly byProgram: Record<string, { dispatches: number; ms: number }>;
  /** Milliseconds over the timed steps, all programs. */
  readonly totalMs: number;
}

/** How the counted steps run. */
export interface CountOptions {
  /** Steps before counting. Default 2. */
  readonly warmup?: number;
  /** Counted steps. Default 8. */
  readonly steps?: number;
  /** Steps between loss reads. Default 8 (trainRun's READ_EVERY). */
  readonly readEvery?: number;
  /** The optimizer. Default momentum (0.9); lalc as in bench/gpu_workloads.ts' LALC row. */
  readonly optimizer?: "momentum" | "lalc";
  /** Also time 2 more steps' kernels on the GPU (timestamp queries). Default false. */
  readonly gpuTime?: boolean;
}

/** Steps whose kernels `gpuTime` times. */
const TIMED_STEPS = 2;

/**
 * Steps the `kind:depth:width:batch` case on the active (webgpu) backend and counts its
 * work; frees everything it made.
 */
export async function countSteps(name: string, options: CountOptions = {}): Promise<StepCounts> {
  const { warmup = 2, steps = 8, readEvery = 8, optimizer: method = "momentum" } = options;
  const [kind, depth, width, batch] = name.split(":");
  const input: [number, number, number] = kind === "resnet" ? [32, 32, 3] : [28, 28, 1];
  const model = buildModel(
    { kind: kind as ModelKind, depth: +depth, width: +width, seed: 1 },
    input,
    10,
  );
  const optimizer = method === "lalc"
    ? lalc({ learningRate: 0.01 })
    : momentum({ learningRate: 0.01, momentum: 0.9 });
  const x = tf.randomNormal([+batch, ...input], 0, 1, "float32", 7);
  const labels = tf.randomUniform([+batch], 0, 10, "int32", 8) as tf.Tensor1D;
  const pending: StepTensors[] = [];
  const losses: number[] = [];
  const tensors: number[] = [];
  const drain = async () => {
    if (pending.length === 0) return;
    const packed = tf.tidy(() => tf.concat(pending.map((p) => tf.reshape(p.loss, [1]))));
    losses.push(...await packed.data());
    tf.dispose([packed, ...pending.flatMap((p) => [p.loss, p.norms])]);
    pending.length = 0;
    tensors.push(tf.memory().numTensors);
  };
  const counter = countWebgpuWork(tf.backend());
  try {
    for (let i = 0; i < warmup; i++) pending.push(trainStep(model, optimizer, x, labels));
    await drain();
    losses.length = 0;
    counter.reset();
    let stepMs = 0;
    const start = performance.now();
    for (let i = 1; i <= steps; i++) {
      const before = performance.now();
      pending.push(trainStep(model, optimizer, x, labels));
      stepMs += performance.now() - before;
      if (i % readEvery === 0) await drain();
    }
    await drain();
    const wallMs = performance.now() - start;
    const total = counter.counts();
    counter.restore(); // the kernel timer wraps recordAndSubmit itself
    let gpu: GpuTimes | string | undefined;
    if (options.gpuTime) {
      const byProgram: GpuTimes["byProgram"] = {};
      let totalMs = 0;
      for (let i = 0; i < TIMED_STEPS && gpu === undefined; i++) {
        const times = await webgpuKernelTimes(() => {
          pending.push(trainStep(model, optimizer, x, labels));
        });
        if (times === null) gpu = "the device has no timestamp-query feature";
        else {
          times.names.forEach((program, k) => {
            const entry = byProgram[program] ??= { dispatches: 0, ms: 0 };
            entry.dispatches++;
            entry.ms += times.ms[k];
            totalMs += times.ms[k];
          });
        }
      }
      await drain();
      gpu ??= { steps: TIMED_STEPS, byProgram, totalMs };
    }
    return { name, steps, total, losses, tensors, stepMs, wallMs, gpu };
  } finally {
    counter.restore();
    tf.dispose(pending.flatMap((p) => [p.loss, p.norms]));
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, labels]);
  }
}

function perStep(n: number, steps: number): string {
  return (n / steps).toFixed(n % steps === 0 ? 0 : 2);
}

function table(title: string, counts: Record<string, number>, steps: number): string[] {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return rows.length === 0
    ? []
    : [`  ${title}:`, ...rows.map(([k, n]) => `    ${perStep(n, steps)}  ${k}`)];
}

/** The report of one case, per step, as lines of text. */
export function formatCounts(r: StepCounts): string[] {
  const t = r.total;
  const s = r.steps;
  return [
    `${r.name}: per step over ${s} steps (reads included): ${perStep(t.dispatches, s)} ` +
    `dispatches, ${perStep(t.passes, s)} compute passes, ${perStep(t.submits, s)} submits, ` +
    `${perStep(t.uploads, s)} uploads, ${perStep(t.reads, s)} reads`,
    ...table("passes ended by", t.passEnds, s),
    ...table("submits by", t.submitReasons, s),
    ...table("uploads", t.uploaded, s),
    ...table("dispatches by program", t.programs, s),
    `  ms per step (meaningless on a software adapter): ${(r.wallMs / s).toFixed(2)} in all, ` +
    `${(r.stepMs / s).toFixed(2)} in trainStep; in the backend's methods (nested included): ` +
    Object.entries(t.ms).map(([k, v]) => `${k} ${(v / s).toFixed(2)}`).join(", "),
    `  losses: ${r.losses.map((l) => l.toPrecision(9)).join(" ")}`,
    ...formatGpuTimes(r),
  ];
}

/** The GPU time lines of `r` (none without `gpuTime`). */
function formatGpuTimes(r: StepCounts): string[] {
  if (r.gpu === undefined) return [];
  if (typeof r.gpu === "string") return [`  GPU time: none (${r.gpu})`];
  const { steps, byProgram, totalMs } = r.gpu;
  const wall = r.wallMs / r.steps;
  const kernelMs = totalMs / steps;
  return [
    `  GPU time per step (timestamp queries, ${steps} steps, each program in a pass of its ` +
    `own): ${kernelMs.toFixed(3)} ms of kernels, ${
      (100 * kernelMs / wall).toFixed(1)
    }% of the untimed step's ${wall.toFixed(2)} ms`,
    ...Object.entries(byProgram).sort((a, b) => b[1].ms - a[1].ms).map(([program, e]) =>
      `    ${(e.ms / steps).toFixed(3)} ms  ${perStep(e.dispatches, steps)} x  ${program}`
    ),
  ];
}

/** Prints the counts of `cases`; the caller has selected the webgpu backend. */
export async function printCounts(
  cases: readonly string[] = COUNT_CASES,
  options: CountOptions = {},
): Promise<void> {
  const batchSize = tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE");
  console.log(
    `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE = ${batchSize}; optimizer ${
      options.optimizer ?? "momentum"
    }`,
  );
  for (const name of cases) {
    for (const line of formatCounts(await countSteps(name, options))) console.log(line);
  }
}

if (import.meta.main) {
  const { useBackend } = await import("../src/backend/backend.ts");
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string", default: "8" },
      warmup: { type: "string", default: "2" },
      "read-every": { type: "string", default: "8" },
      case: { type: "string", multiple: true },
      optimizer: { type: "string", default: "momentum" },
      "gpu-time": { type: "boolean", default: false },
      "bn-one-dispatch-rows": { type: "string" },
      "bn-blocked-rows": { type: "string" },
    },
  });
  const { bnDispatching } = await import("../src/kernels/batch_norm_act/webgpu.ts");
  for (
    const [flag, key] of [["bn-one-dispatch-rows", "oneDispatchRows"], [
      "bn-blocked-rows",
      "blockedRows",
    ]] as const
  ) {
    const given = values[flag];
    if (given === undefined) continue;
    const rows = Number(given);
    if (given.trim() === "" || Number.isNaN(rows) || rows < 0) {
      console.error(`--${flag} ${given}: allowed: rows, a number >= 0 (Infinity for never)`);
      Deno.exit(2);
    }
    bnDispatching[key] = rows;
  }
  console.log(
    `batch norm on webgpu: one dispatch each way up to ${bnDispatching.oneDispatchRows} rows, ` +
      `by blocks of rows past ${bnDispatching.blockedRows} ` +
      "(--bn-one-dispatch-rows, --bn-blocked-rows)",
  );
  await useBackend("webgpu");
  await printCounts(values.case ?? COUNT_CASES, {
    steps: +values.steps,
    warmup: +values.warmup,
    readEvery: +values["read-every"],
    optimizer: values.optimizer === "lalc" ? "lalc" : "momentum",
    gpuTime: values["gpu-time"],
  });
  Deno.exit(0);
}
