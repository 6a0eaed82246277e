/**
 * L2 weight decay, added to the update before any layer-wise scaling.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkNonNegative } from "./_validate.ts";
import type { GradientTransformation } from "./transform.ts";

/**
 * Adds `lambda * w` to each update (optax `add_decayed_weights`): `u = g + lambda * w`, the
 * weight-decay term of LARS (You et al. 2017, eq. for the local LR) and LAMB (You et al.
 * 2019, Algorithm 2). With `lambda = 0` it is the identity and costs no ops. Wrap it in
 * `masked` to skip biases and BN parameters.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { addDecayedWeights } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * const decay = addDecayedWeights(5e-4);
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2]));
 * new ChainOptimizer(chain(decay, scaleByLearningRate(1))).minimize(() => tf.sum(tf.square(w))); // gradient 2w = 2
 * assertEquals([...await w.data()].map((v) => Math.round(v * 1e6) / 1e6), [-1.0005, -1.0005]); // 1 - (2 + 5e-4 * 1)
 * ```
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation {
  checkNonNegative("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => [],
    stateSize: () => 0,
    update(updates, _state, params) {
      if (weightDecay === 0) return updates;
      const lambda = tf.scalar(weightDecay);
      return updates.map((u, i) => tf.tidy(() => tf.add(u, tf.mul(params[i], lambda))));
    },
  };
}
