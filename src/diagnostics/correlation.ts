/**
 * How alike the samples of one batch look to a layer: the statistic the paper says offsets
 * the gradient explosion as training goes on.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor } from "../tf_types.ts";

/**
 * Mean cosine similarity over all pairs `i != j` of samples in a batch of activations
 * (any rank; each sample is flattened). Returns a scalar tensor.
 *
 * Computed in O(batch x features) through `sum_{i != j} cos_ij = ||sum_i u_i||^2 - batch`
 * with `u_i` the unit-normalized samples, so it costs no batch x batch matrix even at large
 * batches. Post-ReLU activations are non-negative, so independent samples already give
 * about `1/pi ~= 0.32` (the squared mean over the second moment of a rectified Gaussian);
 * identical samples give 1. An all-zero sample counts as orthogonal to every other.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { meanPairwiseCosine } from "@lalc/large-batch/diagnostics";
 * await useBackend("cpu");
 * const same = tf.ones([4, 3]);
 * assertEquals(Math.round(meanPairwiseCosine(same).dataSync()[0] * 1e5) / 1e5, 1);
 * ```
 */
export function meanPairwiseCosine(activations: Tensor): Scalar {
  const batch = activations.shape[0];
  if (batch === undefined || batch < 2) {
    throw new Error(`activations must hold at least 2 samples, got shape [${activations.shape}]`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(activations, [batch, -1]);
    const norms = tf.norm(flat, 2, 1, true);
    // Zero rows stay zero (0/1), so they add nothing to the sum: "orthogonal to all".
    const safe = tf.where(tf.greater(norms, 0), norms, tf.onesLike(norms));
    const sum = tf.sum(tf.div(flat, safe), 0);
    const offDiagonal = tf.sub(tf.sum(tf.square(sum)), tf.sum(tf.square(tf.div(flat, safe))));
    return tf.div(offDiagonal, batch * (batch - 1)) as Scalar;
  });
}
