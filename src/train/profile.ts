/**
 * Where a training step goes: kernels per step, the top kernels by count and by time, and the
 * share of the matrix products and convolutions, from `tf.profile` of the project's real
 * `trainStep` (what `deno task train ... --profile` prints after training).
 *
 * The profiled steps run on a fresh model of the run's spec and a fresh optimizer, after a
 * few warm-up steps (the first builds the optimizer's slots), so the run's own numbers are
 * untouched. `tf.profile` records every kernel the engine dispatches; a `tf.customGrad`
 * forward (the models' batch norm) is one extra record named "unnamed scope" whose time
 * includes the kernels inside it: it is neither counted as a kernel nor added to the kernel
 * time, and is reported apart (`scopeMsPerStep`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import type { Dataset } from "../data/types.ts";
import { buildModel } from "../models/build.ts";
import type { ModelSpec } from "../models/types.ts";
import type { Optimizer } from "../tf_types.ts";
import { trainStep } from "./step.ts";

/** One kernel name over the profiled steps. */
export interface KernelRow {
  /** The kernel's name as tf.js registers it (`BatchMatMul`, `Multiply`, ...). */
  readonly kernel: string;
  /** Calls per step. */
  readonly calls: number;
  /** Milliseconds per step, as `tf.profile` timed it. */
  readonly ms: number;
  /** Share of the summed kernel time. */
  readonly share: number;
}

/** What {@link profileTraining} measured. */
export interface StepProfile {
  /** The backend the steps ran on. */
  readonly backend: string;
  /** Steps profiled (after the warm-up). */
  readonly steps: number;
  /** Kernels the engine dispatched per step (customGrad scopes not counted). */
  readonly kernelsPerStep: number;
  /** Wall milliseconds per step, timed without the profiler (it adds its own cost). */
  readonly wallMsPerStep: number;
  /** Milliseconds per step summed over the profiled kernels. */
  readonly kernelMsPerStep: number;
  /**
   * customGrad forward records per step (one per batch norm of the project's models): with
   * the kernels, the number of records `tf.profile` lists, which issue 19's table counted.
   */
  readonly scopesPerStep: number;
  /** Inclusive milliseconds per step of the customGrad forwards (overlaps the kernels). */
  readonly scopeMsPerStep: number;
  /** Share of the kernel time in matrix products (kernels named `*MatMul*`). */
  readonly matmulShare: number;
  /** Share of the kernel time in convolutions and their gradients (`*Conv*`). */
  readonly convShare: number;
  /** Every kernel name, by time per step, longest first. */
  readonly rows: readonly KernelRow[];
}

/** What {@link profileTraining} trains: the run's data, model, optimizer, batch and seed. */
export interface ProfileConfig {
  /** The run's data; batches come from its training split in the run's order. */
  readonly dataset: Dataset;
  /** The model to build (fresh, seeded). */
  readonly model: ModelSpec;
  /** A fresh optimizer, as the run made it. */
  readonly makeOptimizer: () => Optimizer;
  /** Samples per step. */
  readonly batchSize: number;
  /** Data-order seed. */
  readonly seed: number;
  /** Steps before profiling (default 2). */
  readonly warmup?: number;
  /** Steps timed and then profiled (default 3). */
  readonly steps?: number;
}

/** tf.profile's name for a record that is not a kernel (a customGrad forward, inclusive). */
const SCOPE = "unnamed scope";

/**
 * Runs `warmup` steps, times `steps` steps, then profiles `steps` more with `tf.profile`.
 * Frees everything it made.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { makeSyntheticDataset } from "../data/synthetic.ts";
 * import { profileTraining } from "./profile.ts";
 * await useBackend("cpu");
 * const p = await profileTraining({
 *   dataset: makeSyntheticDataset({ sampleShape: [4], seed: 1 }),
 *   model: { kind: "mlp", depth: 2, width: 8, seed: 1 },
 *   makeOptimizer: () => tf.train.momentum(0.1, 0.9),
 *   batchSize: 16,
 *   seed: 1,
 * });
 * assertEquals(p.rows.some((r) => r.kernel === "BatchMatMul"), true);
 * assertEquals(p.kernelsPerStep > 50, true);
 * ```
 */
export async function profileTraining(config: ProfileConfig): Promise<StepProfile> {
  const warmup = config.warmup ?? 2;
  const steps = config.steps ?? 3;
  const split = config.dataset.train;
  const order = shuffledOrder(split.count, config.seed, 0);
  const perEpoch = Math.floor(split.count / config.batchSize);
  const model = buildModel(config.model, split.sampleShape, config.dataset.numClasses);
  const optimizer = config.makeOptimizer();
  let next = 0;
  // One step on the next batch; returns its loss so the caller can wait for the device.
  const step = (): tf.Scalar => {
    const batch = gatherBatch(
      split,
      order,
      (next++ % perEpoch) * config.batchSize,
      config.batchSize,
    );
    const { loss, norms } = trainStep(model, optimizer, batch.x, batch.y);
    tf.dispose([batch.x, batch.y, norms]);
    return loss;
  };
  const run = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const loss = step();
      if (i === n - 1) await loss.data();
      loss.dispose();
    }
  };
  // The profiler's NaN check reads every kernel's output back: off, so times stay kernels'.
  const check = tf.env().getBool("CHECK_COMPUTATION_FOR_ERRORS");
  try {
    await run(warmup);
    const start = performance.now();
    await run(steps);
    const wallMsPerStep = (performance.now() - start) / steps;
    tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", false);
    const info = await tf.profile(() => run(steps));
    return summarize(info.kernels, steps, wallMsPerStep);
  } finally {
    tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", check);
    optimizer.dispose();
    model.dispose();
  }
}

function summarize(
  kernels: readonly { name: string; kernelTimeMs: unknown }[],
  steps: number,
  wallMsPerStep: number,
): StepProfile {
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    const row = byName.get(k.name) ?? { calls: 0, ms: 0 };
    row.calls++;
    // Backends without a timer report {error}; such a kernel counts, with no time.
    row.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byName.set(k.name, row);
  }
  const scope = byName.get(SCOPE) ?? { calls: 0, ms: 0 };
  byName.delete(SCOPE);
  const all = [...byName.values()];
  const total = all.reduce((s, r) => s + r.ms, 0);
  const count = all.reduce((s, r) => s + r.calls, 0);
  const rows = [...byName.entries()]
    .map(([kernel, r]) => ({
      kernel,
      calls: r.calls / steps,
      ms: r.ms / steps,
      share: total > 0 ? r.ms / total : 0,
    }))
    .sort((a, b) => b.ms - a.ms || b.calls - a.calls);
  const share = (re: RegExp) =>
    rows.filter((r) => re.test(r.kernel)).reduce((s, r) => s + r.share, 0);
  return {
    backend: tf.getBackend(),
    steps,
    kernelsPerStep: count / steps,
    wallMsPerStep,
    kernelMsPerStep: total / steps,
    scopesPerStep: scope.calls / steps,
    scopeMsPerStep: scope.ms / steps,
    matmulShare: share(/MatMul/),
    convShare: share(/Conv/),
    rows,
  };
}

/**
 * The profile as text: one summary line, then the top `top` kernels by count and by time as
 * Markdown tables.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { formatProfile } from "./profile.ts";
 * const text = formatProfile({
 *   backend: "cpu", steps: 3, kernelsPerStep: 2, wallMsPerStep: 2, kernelMsPerStep: 1.5,
 *   scopesPerStep: 0, scopeMsPerStep: 0, matmulShare: 2 / 3, convShare: 0,
 *   rows: [{ kernel: "BatchMatMul", calls: 1, ms: 1, share: 2 / 3 },
 *     { kernel: "Add", calls: 1, ms: 0.5, share: 1 / 3 }],
 * });
 * assertEquals(text.split("\n")[0].startsWith("profile (cpu, 3 steps): 2 kernels per step"), true);
 * ```
 */
export function formatProfile(p: StepProfile, top = 10): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `profile (${p.backend}, ${p.steps} steps): ${p.kernelsPerStep} kernels per step ` +
    `(+ ${p.scopesPerStep} customGrad scopes), ` +
    `${p.wallMsPerStep.toFixed(2)} ms per step (wall, unprofiled), ` +
    `${p.kernelMsPerStep.toFixed(2)} ms in kernels (profiled); matmul ${pct(p.matmulShare)}, ` +
    `conv ${pct(p.convShare)}, all other kernels ${pct(1 - p.matmulShare - p.convShare)} ` +
    `of kernel time`,
  ];
  const table = (title: string, rows: readonly KernelRow[]) => {
    lines.push("", `top ${top} by ${title}:`, "| kernel | calls/step | ms/step | share |");
    lines.push("| --- | ---: | ---: | ---: |");
    for (const r of rows.slice(0, top)) {
      lines.push(`| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(3)} | ${pct(r.share)} |`);
    }
  };
  table("count", [...p.rows].sort((a, b) => b.calls - a.calls || b.ms - a.ms));
  table("time", p.rows);
  return lines.join("\n");
}
