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
 * import { addDecayedWeights } from "./decay.ts";
 * const decay = addDecayedWeights(5e-4);
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
