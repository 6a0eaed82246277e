/**
 * Diagnostics of the gradient explosion in BN+ReLU networks: the per-layer growth of the
 * gradient norm at initialization and the samples' activation correlation that offsets it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { THEORETICAL_RATIO } from "./mod.ts";
 * assertEquals(THEORETICAL_RATIO.toFixed(3), "1.211");
 * ```
 *
 * @module
 */
export {
  type ExplosionConfig,
  type ExplosionResult,
  measureExplosion,
  type ModelBuilder,
  THEORETICAL_RATIO,
} from "./explosion.ts";
export { meanPairwiseCosine } from "./correlation.ts";
export type { ProbeLoss } from "./gradnorms.ts";

// Types of other entries that the signatures above name (the same types as there).
export type { CorrelationStructure } from "../data/synthetic.ts";
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "../models/types.ts";
export { MODEL_KINDS } from "../models/types.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
