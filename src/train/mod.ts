/**
 * The training step and loop used by the benchmarks: seeded batches, on-device losses and
 * per-layer gradient norms, divergence detection, evaluation.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { crossEntropy } from "./mod.ts";
 * await useBackend("cpu");
 * // trainRun(config) trains one fresh model; its loss: equal logits over 4 classes cost ln 4
 * const loss = crossEntropy(tf.zeros([2, 4]), tf.tensor1d([0, 3], "int32"));
 * assertEquals(loss.dataSync()[0].toFixed(5), Math.log(4).toFixed(5));
 * ```
 *
 * @module
 */
export type { CurvePoint, RunConfig, RunResult, RunStatus } from "./types.ts";
export { trainRun } from "./run.ts";
export { crossEntropy, type StepTensors, trainStep } from "./step.ts";
export { accuracy } from "./evaluate.ts";

// Types of other entries that the signatures above name (the same types as there).
export type { Dataset, Split } from "../data/types.ts";
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "../models/types.ts";
export { MODEL_KINDS } from "../models/types.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
