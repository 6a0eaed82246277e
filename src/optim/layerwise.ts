/**
 * A typed test for this package's layer-wise optimizers, so callers read their options and
 * layer statistics without casts.
 *
 * @module
 */
import { LalcOptimizer } from "./lalc.ts";
import { LambOptimizer } from "./lamb.ts";
import { LarsOptimizer } from "./lars.ts";

/**
 * An optimizer with a per-tensor (layer-wise) rate: LALC, LARS or LAMB. Each has `options`
 * (its checked options, defaults filled in) and `layerStats()` (the last step's per-tensor
 * trust ratio and rate, when built with `recordLayerStats: true`); narrow further with
 * `instanceof LalcOptimizer` for LALC's clip bounds.
 */
export type LayerwiseOptimizer = LalcOptimizer | LarsOptimizer | LambOptimizer;

/**
 * Whether `optimizer` is one of this package's layer-wise optimizers (LALC, LARS, LAMB).
 *
 * @example
 * ```ts
 * import { isLayerwiseOptimizer } from "./layerwise.ts";
 * import { lalc } from "./lalc.ts";
 * import { momentum } from "./momentum.ts";
 * const opt = lalc({ learningRate: 0.1, recordLayerStats: true });
 * if (isLayerwiseOptimizer(opt)) console.log(opt.options.learningRate); // 0.1
 * console.log(isLayerwiseOptimizer(momentum({ learningRate: 0.1 }))); // false
 * ```
 */
export function isLayerwiseOptimizer(optimizer: unknown): optimizer is LayerwiseOptimizer {
  return optimizer instanceof LalcOptimizer || optimizer instanceof LarsOptimizer ||
    optimizer instanceof LambOptimizer;
}
