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
 * Why a custom gradient: with `xhat = (x - mean) / sqrt(var + eps)`, the gradient is
 * `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))`,
 * `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`. Written with the fused `batchNorm` kernel it
 * costs 4 full-size kernels and 2 reductions, where autodiff through `tf.moments` and the
 * normalization runs about three times as many (see `batch_norm_bench.ts` for the measured ratio).
 * `batch_norm_test.ts` checks it against autodiff on the cpu backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BatchNormParams } from "./params.ts";

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Added to the variance before the square root. */
export const BN_EPSILON = 1e-5;
/** Weight of the old running statistics in each update. */
export const BN_MOMENTUM = 0.9;

function reductionAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

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
  const axes = reductionAxes(x);
  const n = x.size / x.shape[x.rank - 1];
  const forward = tf.customGrad(
    ((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
      const { mean, variance } = tf.moments(input, axes);
      updateRunningStats(p, mean, variance, n);
      save([input, mean, variance, gamma]);
      return {
        value: tf.batchNorm(input, mean, variance, beta, gamma, BN_EPSILON),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => batchNormGrad(dy, saved, axes, n),
      };
    }) as unknown as CustomGradientFunc,
  );
  return forward(x, p.gamma, p.beta);
}

function batchNormGrad(dy: tf.Tensor, saved: tf.Tensor[], axes: number[], n: number): tf.Tensor[] {
  const [x, mean, variance, gamma] = saved;
  return tf.tidy(() => {
    const xhat = tf.batchNorm(x, mean, variance, undefined, undefined, BN_EPSILON);
    const dbeta = tf.sum(dy, axes);
    const dgamma = tf.sum(tf.mul(dy, xhat), axes);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BN_EPSILON)));
    const k = tf.div(scale, -n);
    // xhat * (k * dgamma) + k * dbeta in one fused kernel, on x itself
    const correction = tf.batchNorm(
      x,
      mean,
      variance,
      tf.mul(k, dbeta),
      tf.mul(k, dgamma),
      BN_EPSILON,
    );
    return [tf.add(tf.mul(dy, scale), correction), dgamma, dbeta];
  });
}

function updateRunningStats(
  p: BatchNormParams,
  mean: tf.Tensor,
  variance: tf.Tensor,
  n: number,
): void {
  tf.tidy(() => {
    const unbiased = n > 1 ? n / (n - 1) : 1;
    p.movingMean.assign(
      tf.add(tf.mul(p.movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)),
    );
    p.movingVariance.assign(
      tf.add(tf.mul(p.movingVariance, BN_MOMENTUM), tf.mul(variance, (1 - BN_MOMENTUM) * unbiased)),
    );
  });
}
