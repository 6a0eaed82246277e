/**
 * Plain-autodiff BN, the reference `batch_norm.ts`'s closed-form gradient is tested and timed
 * against. Training mode only, no running statistics.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { BN_EPSILON } from "./batch_norm.ts";

/** BN written with elementwise ops, differentiated by tf.js' autodiff. */
export function batchNormElementwise(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPSILON)));
    return tf.add(tf.mul(xhat, gamma), beta);
  });
}

/** BN with tf.js' fused `batchNorm` op and its registered gradient, through `tf.moments`. */
export function batchNormFusedAutodiff(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPSILON);
  });
}
