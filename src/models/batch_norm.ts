/**
 * Batch normalization (Ioffe and Szegedy 2015) over every axis but the last (features for an
 * MLP, channels for NHWC images), with a closed-form backward pass.
 *
 * - Training: normalizes with the batch mean and the biased batch variance, and moves the
 *   running statistics: `running = 0.9 * running + 0.1 * batch` (Keras' momentum 0.9). The
 *   running variance takes the unbiased batch variance (`n / (n - 1)` times the biased one),
 *   as PyTorch does, so small batches do not bias inference.
 * - Inference: normalizes with the running statistics.
 * - `epsilon` is 1e-5 (PyTorch's default, and the value the paper's analysis and its numpy
 *   replication assume), added to the variance.
 *
 * Training mode runs the unfused reference of src/kernels/batch_norm_act (its closed-form
 * backward pass is documented there); the models' blocks call that folder's fused op, which
 * adds the activation and the residual (see layers.ts). `batch_norm_test.ts` checks the
 * gradient against autodiff on the cpu backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchNormTrainingReference, BN_EPSILON } from "../kernels/batch_norm_act/reference.ts";
import type { BatchNormParams } from "./params.ts";

export { BN_EPSILON, BN_MOMENTUM } from "../kernels/batch_norm_act/reference.ts";

/**
 * Applies BN to `x` (`[..., channels]`) with the layer's variables `p`. In training mode the
 * running statistics are updated as a side effect (one update per call).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { batchNorm } from "./batch_norm.ts";
 * import { ParamStore } from "./params.ts";
 * import { useBackend } from "@lalc/large-batch/backend";
 * await useBackend("cpu");
 * const store = new ParamStore("bnDoc", 0);
 * const p = store.batchNorm("bn", 3);
 * const y = batchNorm(tf.randomNormal([8, 3]), p, true); // zero mean, unit variance per column
 * const mean = await tf.mean(y, 0).data();
 * assertEquals([...mean].every((m) => Math.abs(m) < 1e-5), true);
 * y.dispose();
 * store.dispose();
 * ```
 */
export function batchNorm(x: tf.Tensor, p: BatchNormParams, training: boolean): tf.Tensor {
  if (!training) {
    return tf.batchNorm(x, p.movingMean, p.movingVariance, p.beta, p.gamma, BN_EPSILON);
  }
  return batchNormTrainingReference(x, p);
}
