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
 * import { trace } from "./trace.ts";
 * const heavyBall = trace({ decay: 0.9, nesterov: true });
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
