/**
 * Gradient transformations, modeled on optax: a transformation is an `init`/`update` pair
 * with explicit state, and optimizers are `chain(...)`s of small transformations.
 *
 * Conventions (as in optax): `update` maps gradients to *updates* that are ADDED to the
 * parameters, so a learning-rate transformation multiplies by `-eta`. State is a flat list of
 * slot variables; `update` writes new state into them with `assign` (tf.js variables are
 * mutable, so the state is updated in place instead of returned). All tensors `update`
 * creates are meant to run inside the caller's `tf.tidy`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Variable } from "../tf_types.ts";

/** One composable step of an optimizer. */
export interface GradientTransformation {
  /** Creates the zero-initialized slot variables for `params`, named `${param.name}/<slot>`. */
  init(params: Variable[]): Variable[];
  /** How many variables `init(params)` returns (lets {@link chain} split a flat state). */
  stateSize(params: Variable[]): number;
  /**
   * Maps `updates` (one per param, same order) to new updates; reads and assigns `state`
   * (what `init(params)` returned). `step` is the optimizer's 0-based iteration count.
   */
  update(
    updates: Tensor[],
    state: Variable[],
    params: Variable[],
    step: number,
  ): Tensor[];
}

/** Decides which tensors a {@link masked} transformation (or an optimizer's mask) picks: true = apply. */
export type VariablePredicate = (variable: Variable) => boolean;

// Slot variables need engine-unique names (two optimizers on one model, or a restored copy,
// would otherwise collide), while getWeights must report the canonical `${param}/<slot>`.
const canonicalNames = new WeakMap<Variable, string>();

/**
 * Makes one zero slot for `param`. The variable is named `${param.name}/${slot}` when that
 * name is free in the engine, else with a numeric suffix; {@link slotName} always returns the
 * canonical name.
 */
export function createSlot(param: Variable, slot: string): Variable {
  const canonical = `${param.name}/${slot}`;
  let name = canonical;
  const registered = tf.engine().registeredVariables;
  for (let i = 1; registered[name] !== undefined; i++) name = `${canonical}_${i}`;
  const variable = tf.tidy(() => tf.variable(tf.zerosLike(param), false, name));
  canonicalNames.set(variable, canonical);
  return variable;
}

/** Records `canonical` as the slot name of `variable` (for restored slots). */
export function setSlotName(variable: Variable, canonical: string): void {
  canonicalNames.set(variable, canonical);
}

/** The canonical `${param.name}/<slot>` name of a slot variable (its own name otherwise). */
export function slotName(variable: Variable): string {
  return canonicalNames.get(variable) ?? variable.name;
}

/**
 * A transformation with a fixed list of slots per parameter; state is laid out slot-major:
 * `[slot0(p0..pn), slot1(p0..pn), ...]`.
 */
export function withSlots(
  slots: readonly string[],
  update: GradientTransformation["update"],
): GradientTransformation {
  return {
    init: (params) => slots.flatMap((slot) => params.map((p) => createSlot(p, slot))),
    stateSize: (params) => slots.length * params.length,
    update,
  };
}

/**
 * Applies `transforms` one after the other (optax `chain`); the state is the concatenation
 * of theirs.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { trace } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * const momentumSgd = chain(trace({ decay: 0.9 }), scaleByLearningRate(0.1));
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2]));
 * new ChainOptimizer(momentumSgd).minimize(() => tf.sum(tf.square(w))); // gradient 2w = 2
 * assertEquals([...await w.data()].map((v) => Math.round(v * 1e6) / 1e6), [0.8, 0.8]); // the first step: no velocity yet
 * ```
 */
export function chain(...transforms: GradientTransformation[]): GradientTransformation {
  return {
    init: (params) => transforms.flatMap((t) => t.init(params)),
    stateSize: (params) => transforms.reduce((n, t) => n + t.stateSize(params), 0),
    update(updates, state, params, step) {
      const inputs = new Set(updates);
      let offset = 0;
      for (const t of transforms) {
        const size = t.stateSize(params);
        const next = t.update(updates, state.slice(offset, offset + size), params, step);
        // Free each stage's intermediates at once (not the caller's gradients): keeping them
        // all until the final tidy multiplies the working set and measurably slows wasm.
        const kept = new Set(next);
        for (const u of updates) if (!inputs.has(u) && !kept.has(u)) u.dispose();
        updates = next;
        offset += size;
      }
      return updates;
    },
  };
}

/**
 * Applies `inner` only to the tensors for which `mask(variable)` is true (optax `masked`);
 * the others pass through unchanged and get no state. The mask is evaluated once per
 * variable and cached.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain, masked } from "@lalc/large-batch";
 * import { addDecayedWeights } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * // weight decay on kernels only
 * const decay = masked(addDecayedWeights(1e-4), (v) => v.rank > 1);
 * await useBackend("cpu");
 * const kernel = tf.variable(tf.ones([2, 2])), bias = tf.variable(tf.ones([2]));
 * new ChainOptimizer(chain(decay, scaleByLearningRate(1)))
 *   .minimize(() => tf.add(tf.sum(kernel), tf.sum(bias))); // every gradient is 1
 * const rounded = async (v: tf.Variable) =>
 *   [...await v.data()].map((x) => Math.round(x * 1e6) / 1e6);
 * assertEquals(await rounded(kernel), [-1e-4, -1e-4, -1e-4, -1e-4]); // 1 - (1 + 1e-4 * 1)
 * assertEquals(await rounded(bias), [0, 0]); // 1 - 1: the bias is not decayed
 * ```
 */
export function masked(
  inner: GradientTransformation,
  mask: VariablePredicate,
): GradientTransformation {
  const cache = new WeakMap<Variable, boolean>();
  const picked = (params: Variable[]): number[] => {
    const out: number[] = [];
    params.forEach((p, i) => {
      let keep = cache.get(p);
      if (keep === undefined) cache.set(p, keep = mask(p) === true);
      if (keep) out.push(i);
    });
    return out;
  };
  return {
    init: (params) => inner.init(picked(params).map((i) => params[i])),
    stateSize: (params) => inner.stateSize(picked(params).map((i) => params[i])),
    update(updates, state, params, step) {
      const idx = picked(params);
      if (idx.length === 0) return updates;
      const out = inner.update(
        idx.map((i) => updates[i]),
        state,
        idx.map((i) => params[i]),
        step,
      );
      const result = updates.slice();
      idx.forEach((i, k) => result[i] = out[k]);
      return result;
    },
  };
}
