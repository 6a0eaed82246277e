/**
 * The training step and loop used by the benchmarks: seeded batches, on-device losses and
 * per-layer gradient norms, divergence detection, evaluation.
 *
 * @example
 * ```ts
 * import { trainRun } from "./mod.ts";
 * console.log(typeof trainRun); // "function": trainRun(config) trains one fresh model
 * ```
 *
 * @module
 */
export type { CurvePoint, RunConfig, RunResult, RunStatus } from "./types.ts";
export { trainRun } from "./run.ts";
export { crossEntropy, type StepTensors, trainStep } from "./step.ts";
export { accuracy } from "./evaluate.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
