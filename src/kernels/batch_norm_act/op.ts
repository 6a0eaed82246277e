/**
 * Batch norm + optional residual + optional ReLU in training mode, as one fused kernel
 * forward and one backward where the active backend has them ({@link useFusedKernel}),
 * else as the unfused reference of tf.js ops (./reference.ts). Either way the layer's
 * running statistics move once per call.
 *
 * Why: the unfused training-mode BN layer (moments, normalization, the running statistics'
 * update, its closed-form gradient) followed by ReLU costs ~15-20 tf.js kernel launches per
 * layer and step, ~5-20 µs each before any arithmetic; fused, it is one launch each way on
 * cpu, wasm and native (a few programs on webgpu).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../../tf_types.ts";
import { BATCH_NORM_ACTIVATION_KERNEL } from "../../kernel_names.ts";
import { useFusedKernel } from "../switch.ts";
import {
  batchNormActivationReference,
  type BatchNormVariables,
  BN_EPSILON,
  BN_MOMENTUM,
} from "./reference.ts";
import "./host.ts";
import "./gradient.ts";
import "./webgpu.ts";

export { BN_EPSILON, BN_MOMENTUM } from "./reference.ts";
export type { BatchNormVariables } from "./reference.ts";
// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Tensor, Variable } from "../../tf_types.ts";

/** Options of {@link batchNormActivation}. */
export interface BatchNormActivationOptions {
  /** ReLU after the normalization (and the residual). Default false. */
  readonly relu?: boolean;
  /** Added after the normalization, before ReLU; the shape of `x`. */
  readonly residual?: Tensor;
}

/**
 * Training-mode BN of `x` (`[..., C]`, normalized over every axis but the last) with the
 * batch statistics and `p`'s gamma and beta, plus `options.residual`, then ReLU with
 * `options.relu`; moves `p.movingMean` and `p.movingVariance` (momentum {@link BN_MOMENTUM},
 * unbiased variance). Differentiable in `x`, gamma, beta and the residual.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { batchNormActivation } from "./op.ts";
 * await useBackend("cpu");
 * const p = {
 *   gamma: tf.variable(tf.ones([2])),
 *   beta: tf.variable(tf.zeros([2])),
 *   movingMean: tf.variable(tf.zeros([2]), false),
 *   movingVariance: tf.variable(tf.ones([2]), false),
 * };
 * const y = batchNormActivation(tf.tensor2d([[1, 10], [3, 30]]), p, { relu: true });
 * assertEquals(Array.from(y.dataSync()).map((v) => Math.round(v)), [0, 0, 1, 1]);
 * assertEquals(Array.from(p.movingMean.dataSync()).map((v) => +v.toFixed(4)), [0.2, 2]);
 * tf.dispose([y, p.gamma, p.beta, p.movingMean, p.movingVariance]);
 * ```
 */
export function batchNormActivation(
  x: Tensor,
  p: BatchNormVariables,
  options: BatchNormActivationOptions = {},
): Tensor {
  const relu = options.relu ?? false;
  const residual = options.residual;
  if (!useFusedKernel(BATCH_NORM_ACTIVATION_KERNEL)) {
    return batchNormActivationReference(x, p, relu, residual);
  }
  const inputs: tf.NamedTensorMap = {
    x,
    gamma: p.gamma,
    beta: p.beta,
    movingMean: p.movingMean,
    movingVariance: p.movingVariance,
  };
  if (residual !== undefined) inputs.residual = residual;
  const attrs = { epsilon: BN_EPSILON, momentum: BN_MOMENTUM, relu, hasResidual: !!residual };
  const [y, stats, newMean, newVariance] = tf.engine().runKernel(
    BATCH_NORM_ACTIVATION_KERNEL,
    inputs,
    attrs,
  ) as tf.Tensor[];
  // assign shares the new tensors' data with the variables: no kernel runs
  p.movingMean.assign(newMean);
  p.movingVariance.assign(newVariance);
  // the tape keeps its own references to what the backward pass needs
  tf.dispose([stats, newMean, newVariance]);
  return y;
}
