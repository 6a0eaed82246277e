/**
 * Typed tests for this package's layer-wise optimizers, so callers read their options and
 * layer statistics without casts.
 *
 * Why not `instanceof`: `tf.Optimizer` defines `Symbol.hasInstance` as a duck-type test
 * (anything with `minimize`, `computeGradients` and `applyGradients`), which every subclass
 * inherits, so `x instanceof LalcOptimizer` is true for ANY optimizer, `tf.train.adam`
 * included. These guards walk the prototype chain instead.
 *
 * @module
 */
import { LalcOptimizer } from "./lalc.ts";
import { LambOptimizer } from "./lamb.ts";
import { LarsOptimizer } from "./lars.ts";
import { inheritsFrom } from "./optimizer.ts";

/**
 * An optimizer with a per-tensor (layer-wise) rate: LALC, LARS or LAMB. Each has `options`
 * (its checked options, defaults filled in) and `layerStats()` (the last step's per-tensor
 * trust ratio and rate, when built with `recordLayerStats: true`).
 */
export type LayerwiseOptimizer = LalcOptimizer | LarsOptimizer | LambOptimizer;

/** The layer-wise methods, as {@link isLayerwiseOptimizer}'s second argument names them. */
export type LayerwiseMethod = "lalc" | "lars" | "lamb";

const CLASSES: Record<LayerwiseMethod, abstract new (...args: never[]) => LayerwiseOptimizer> = {
  lalc: LalcOptimizer,
  lars: LarsOptimizer,
  lamb: LambOptimizer,
};

/**
 * Whether `optimizer` is one of this package's layer-wise optimizers (LALC, LARS, LAMB), or,
 * with `method`, that one.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import { isLayerwiseOptimizer } from "@lalc/large-batch";
 * import { lalc } from "@lalc/large-batch";
 * import { momentum } from "@lalc/large-batch";
 * const opt: unknown = lalc({ learningRate: 0.1, recordLayerStats: true });
 * assert(isLayerwiseOptimizer(opt, "lalc"));
 * assertEquals(opt.options.maxRatio, 1); // typed as LalcOptimizer, no cast
 * assertEquals(isLayerwiseOptimizer(opt, "lars"), false);
 * assertEquals(isLayerwiseOptimizer(momentum({ learningRate: 0.1 })), false);
 * ```
 */
export function isLayerwiseOptimizer(
  optimizer: unknown,
  method: "lalc",
): optimizer is LalcOptimizer;
/** `optimizer` is LARS. */
export function isLayerwiseOptimizer(
  optimizer: unknown,
  method: "lars",
): optimizer is LarsOptimizer;
/** `optimizer` is LAMB. */
export function isLayerwiseOptimizer(
  optimizer: unknown,
  method: "lamb",
): optimizer is LambOptimizer;
/** `optimizer` is LALC, LARS or LAMB. */
export function isLayerwiseOptimizer(optimizer: unknown): optimizer is LayerwiseOptimizer;
export function isLayerwiseOptimizer(optimizer: unknown, method?: LayerwiseMethod): boolean {
  if (method !== undefined) return inheritsFrom(optimizer, CLASSES[method]);
  return Object.values(CLASSES).some((cls) => inheritsFrom(optimizer, cls));
}
