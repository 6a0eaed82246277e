/**
 * Momentum as a gradient transformation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkBoolean, checkUnitInterval } from "./_validate.ts";
import { type GradientTransformation, withSlots } from "./transform.ts";

/**
 * Heavy-ball momentum (Polyak 1964; optax `trace`): `m = u + decay * m`, output `m`; with
 * `nesterov` (Sutskever et al. 2013) the output is `u + decay * m` (new `m`). One slot per
 * tensor, `${name}/momentum`, zero at the start.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * import { trace } from "@lalc/large-batch";
 * const heavyBall = trace({ decay: 0.9, nesterov: true });
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2]));
 * new ChainOptimizer(chain(heavyBall, scaleByLearningRate(0.1)))
 *   .minimize(() => tf.sum(tf.square(w))); // gradient 2: m = 2, output 2 + 0.9 * 2 = 3.8
 * assertEquals([...await w.data()].map((x) => Math.round(x * 1e6) / 1e6), [0.62, 0.62]);
 * ```
 */
export function trace(options: { decay: number; nesterov?: boolean }): GradientTransformation {
  const { decay, nesterov = false } = options;
  checkUnitInterval("trace", "decay", decay);
  checkBoolean("trace", "nesterov", nesterov);
  return withSlots(["momentum"], (updates, state) => {
    const mu = tf.scalar(decay);
    return updates.map((u, i) =>
      tf.tidy(() => {
        const m = tf.add(u, tf.mul(state[i], mu));
        state[i].assign(m);
        return nesterov ? tf.add(u, tf.mul(m, mu)) : m;
      })
    );
  });
}
