/**
 * Registers this package's optimizer classes with tf.js's serialization map, in one place (as
 * tf.js's own `register_optimizers.ts` does), so `tf.loadLayersModel` finds a saved model's
 * `LALC`, `LARS`, `LAMB` or `ScheduledMomentum` optimizer. Importing this module registers
 * them; the main entry (`mod.ts`) imports it. The optimizer modules themselves register
 * nothing.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { OPTIMIZER_CLASSES } from "./register.ts";
 * const registered = tf.serialization.SerializationMap.getMap().classNameMap;
 * assertEquals(OPTIMIZER_CLASSES.map((c) => registered[c.className] !== undefined), [
 *   true,
 *   true,
 *   true,
 *   true,
 * ]);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { LalcOptimizer } from "./lalc.ts";
import { LambOptimizer } from "./lamb.ts";
import { LarsOptimizer } from "./lars.ts";
import { MomentumOptimizer } from "./momentum.ts";

/** The serializable optimizer classes of this package, each with its `className`. */
export const OPTIMIZER_CLASSES: readonly [
  typeof LalcOptimizer,
  typeof LarsOptimizer,
  typeof LambOptimizer,
  typeof MomentumOptimizer,
] = [LalcOptimizer, LarsOptimizer, LambOptimizer, MomentumOptimizer];

/**
 * Registers {@link OPTIMIZER_CLASSES} (again: registering replaces an entry, so calling it
 * twice is harmless). This module calls it once on import.
 */
export function registerOptimizers(): void {
  for (const cls of OPTIMIZER_CLASSES) tf.serialization.registerClass(cls);
}

registerOptimizers();
