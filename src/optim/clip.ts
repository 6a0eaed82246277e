/**
 * Global-norm gradient clipping.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkPositive } from "./_validate.ts";
import { squaredNorms } from "./_norms.ts";
import type { GradientTransformation } from "./transform.ts";

/**
 * Scales all updates together so their global L2 norm is at most `maxNorm` (Pascanu et al.
 * 2013, "On the difficulty of training recurrent neural networks"; optax
 * `clip_by_global_norm`): with `g = sqrt(sum_i ||u_i||^2)` over every tensor the
 * transformation sees, each `u_i` stays as it is when `g < maxNorm`, else becomes
 * `u_i * maxNorm / g`. One norm batch on the device, nothing read back. Put it first in a
 * chain to clip the raw gradients.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { clipByGlobalNorm } from "@lalc/large-batch";
 * import { trace } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * const clippedMomentum = new ChainOptimizer(
 *   chain(clipByGlobalNorm(1), trace({ decay: 0.9 }), scaleByLearningRate(0.1)),
 * );
 * await useBackend("cpu");
 * const w = tf.variable(tf.tensor1d([3, 4]));
 * clippedMomentum.minimize(() => tf.sum(tf.square(w))); // gradient [6, 8], norm 10 -> [0.6, 0.8]
 * assertEquals([...await w.data()].map((x) => Math.round(x * 1e6) / 1e6), [2.94, 3.92]);
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  checkPositive("clipByGlobalNorm", "maxNorm", maxNorm);
  return {
    init: () => [],
    stateSize: () => 0,
    update(updates) {
      if (updates.length === 0) return updates;
      const norm = tf.sqrt(tf.sum(squaredNorms(updates)));
      const factor = tf.where(tf.less(norm, maxNorm), tf.onesLike(norm), tf.div(maxNorm, norm));
      return updates.map((u) => tf.mul(u, factor));
    },
  };
}
