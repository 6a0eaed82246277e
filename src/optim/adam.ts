/**
 * Adam's direction as a gradient transformation (the first half of LAMB).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkNonNegative, checkUnitInterval } from "./_validate.ts";
import { type GradientTransformation, withSlots } from "./transform.ts";

/**
 * Bias-corrected Adam direction (Kingma & Ba 2015, Algorithm 1; optax `scale_by_adam`):
 * `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`, output
 * `m_hat / (sqrt(v_hat) + eps)` with `m_hat = m / (1 - b1^(t+1))`, `v_hat = v / (1 - b2^(t+1))`.
 * Computed in the paper's equivalent cheaper order (section 2, last paragraph):
 * `(m * sqrt(1-b2^(t+1)) / (1-b1^(t+1))) / (sqrt(v) + eps * sqrt(1-b2^(t+1)))`.
 * Slots `${name}/m` and `${name}/v`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * import { scaleByAdam } from "@lalc/large-batch";
 * const adamDirection = scaleByAdam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-6 });
 * await useBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, -3]));
 * new ChainOptimizer(chain(adamDirection, scaleByLearningRate(0.1)))
 *   .minimize(() => tf.sum(tf.square(w))); // gradient 2w = [2, -6]
 * // Adam's first step is (almost exactly) the gradient's sign, whatever its size:
 * assertEquals([...await w.data()].map((x) => Math.round(x * 1e6) / 1e6), [0.9, -2.9]);
 * ```
 */
export function scaleByAdam(
  options: { beta1?: number; beta2?: number; epsilon?: number } = {},
): GradientTransformation {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  checkUnitInterval("scaleByAdam", "beta1", beta1);
  checkUnitInterval("scaleByAdam", "beta2", beta2);
  checkNonNegative("scaleByAdam", "epsilon", epsilon);
  return withSlots(["m", "v"], (updates, state, _params, step) => {
    const n = updates.length;
    const bc1 = 1 - Math.pow(beta1, step + 1);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step + 1));
    const b1 = tf.scalar(beta1), c1 = tf.scalar(1 - beta1);
    const b2 = tf.scalar(beta2), c2 = tf.scalar(1 - beta2);
    const stepScale = tf.scalar(sqrtBc2 / bc1);
    const eps = tf.scalar(epsilon * sqrtBc2);
    return updates.map((g, i) =>
      tf.tidy(() => {
        const mSlot = state[i], vSlot = state[n + i];
        const m = tf.add(tf.mul(mSlot, b1), tf.mul(g, c1));
        const v = tf.add(tf.mul(vSlot, b2), tf.mul(tf.square(g), c2));
        mSlot.assign(m);
        vSlot.assign(v);
        return tf.div(tf.mul(m, stepScale), tf.add(tf.sqrt(v), eps));
      })
    );
  });
}
