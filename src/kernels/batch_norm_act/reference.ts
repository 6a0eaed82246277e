/**
 * The unfused reference of batch norm + activation: training-mode BN composed of tf.js
 * kernels (`tf.moments`, `tf.batchNorm`) with a closed-form backward pass, the running
 * statistics' update, then the optional residual and ReLU as tf.js ops. It is what runs when
 * the fused kernels are off or missing, and what they are tested against; src/models'
 * `batchNorm` runs its training mode from here, so the math has one definition.
 *
 * - Normalizes over every axis but the last with the batch mean and the biased batch
 *   variance, `epsilon` 1e-5 added to the variance (PyTorch's default).
 * - Moves the running statistics: `running = 0.9 * running + 0.1 * batch` (Keras' momentum
 *   0.9); the running variance takes the unbiased batch variance (`n / (n - 1)` times the
 *   biased one, factor 1 when `n` is 1), as PyTorch does.
 *
 * Why a custom gradient: with `xhat = (x - mean) / sqrt(var + eps)`, the gradient is
 * `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))`,
 * `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`. Written with the fused `batchNorm` kernel it
 * costs 4 full-size kernels and 2 reductions, where autodiff through `tf.moments` and the
 * normalization runs about three times as many.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Variable } from "../../tf_types.ts";

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Added to the variance before the square root. */
export const BN_EPSILON = 1e-5;
/** Weight of the old running statistics in each update. */
export const BN_MOMENTUM = 0.9;

/** A BN layer's variables: `[C]` each. */
export interface BatchNormVariables {
  /** Scale (trainable). */
  readonly gamma: Variable;
  /** Shift (trainable). */
  readonly beta: Variable;
  /** Running mean (state, moved by each training call). */
  readonly movingMean: Variable;
  /** Running variance (state, moved by each training call). */
  readonly movingVariance: Variable;
}

function reductionAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

/**
 * Training-mode BN of `x` (`[..., C]`) with the batch statistics, from tf.js kernels; moves
 * `p`'s running statistics as a side effect (one update per call).
 */
export function batchNormTrainingReference(x: Tensor, p: BatchNormVariables): Tensor {
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

/**
 * The unfused batch norm + activation: {@link batchNormTrainingReference}, plus `residual`,
 * then ReLU when `relu`.
 */
export function batchNormActivationReference(
  x: Tensor,
  p: BatchNormVariables,
  relu: boolean,
  residual?: Tensor,
): Tensor {
  return tf.tidy(() => {
    let z = batchNormTrainingReference(x, p);
    if (residual !== undefined) z = tf.add(z, residual);
    return relu ? tf.relu(z) : z;
  });
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
  p: BatchNormVariables,
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
