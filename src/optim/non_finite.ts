/**
 * What an optimizer does with a step whose gradients hold a NaN or an Inf, the choice optax
 * offers with `apply_if_finite`. Without a guard one such element reaches a layer's norm, the
 * norm's ratio and then every weight of that layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Variable } from "../tf_types.ts";

/**
 * - `"apply"` (the default): the step is applied as computed, so a non-finite gradient turns
 *   the weights it reaches (a whole layer, through LALC's, LARS's or LAMB's norm) NaN. No
 *   check runs: the arithmetic and the cost are those of an unguarded optimizer.
 * - `"skip"`: a step with any non-finite gradient element leaves every weight and every slot
 *   (momentum, Adam moments) as it was, and adds one to the count `nonFiniteSteps()` reads.
 *   The check stays on the device (one flag for all tensors; nothing is read back), and the
 *   step count still advances, so a schedule moves on (optax's `apply_if_finite` holds the
 *   inner count instead).
 * - `"throw"`: such a step throws before anything changes, naming the tensors. This reads
 *   one small vector back per step.
 */
export type NonFinitePolicy = "apply" | "skip" | "throw";

/** The allowed {@link NonFinitePolicy} values, in documentation order. */
export const NON_FINITE_POLICIES: readonly NonFinitePolicy[] = ["apply", "skip", "throw"];

/** `[all(isFinite(g_i))]`, one bool per tensor, computed on the device. */
function finiteFlags(grads: readonly Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.stack(grads.map((g) => tf.all(tf.isFinite(g)))) as tf.Tensor1D);
}

/**
 * Throws one line naming the variables whose gradients hold a NaN or an Inf; one read from
 * the device for all of them.
 */
export function throwIfNonFinite(
  owner: string,
  params: readonly Variable[],
  grads: readonly Tensor[],
  step: number,
): void {
  const flags = finiteFlags(grads);
  const ok = flags.dataSync();
  flags.dispose();
  const bad = params.filter((_, i) => !ok[i]).map((p) => p.name);
  if (bad.length > 0) {
    throw new Error(
      `${owner}: non-finite gradient (NaN or Inf) for ${bad.join(", ")} at step ${step}; ` +
        `nothing was changed (nonFinite: "throw"; "skip" skips such steps)`,
    );
  }
}

/**
 * Applies one step, `params[i] += update[i]`, so that nothing changes when any gradient holds
 * a NaN or an Inf, without reading anything back: `computeUpdates` (which also assigns the
 * `slots`) runs as usual, then each slot is reset to its value before the step and each
 * parameter keeps its value by `where(finite, new, old)`, and `count` (a scalar int32
 * variable) grows by one. Call inside a `tf.tidy`. With finite gradients the result is
 * bit-identical to the unguarded chain step (`where` selects the new value itself); the
 * fused multi-tensor kernel that "apply" runs by default agrees with it to ~1e-7.
 */
export function applyIfFinite(
  grads: readonly Tensor[],
  params: readonly Variable[],
  slots: readonly Variable[],
  count: Variable,
  computeUpdates: () => Tensor[],
): void {
  const finite = tf.all(finiteFlags(grads));
  // The flag spread to each shape by a broadcasting logicalAnd (where() would broadcast it
  // with Tile, which the cpu backend computes through a synchronous read); a parameter and
  // its slots share a shape, so each shape is spread once.
  const spread = new Map<string, Tensor>();
  const keep = (t: Tensor) => {
    const key = t.shape.join("x");
    let c = spread.get(key);
    if (c === undefined) spread.set(key, c = tf.logicalAnd(tf.ones(t.shape, "bool"), finite));
    return c;
  };
  const before = slots.map((s) => tf.clone(s));
  const updates = computeUpdates();
  slots.forEach((s, i) => s.assign(tf.where(keep(s), s, before[i])));
  params.forEach((p, i) => p.assign(tf.where(keep(p), tf.add(p, updates[i]), p)));
  count.assign(tf.add(count, tf.cast(tf.logicalNot(finite), "int32")));
}
