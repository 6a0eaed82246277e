/**
 * The options LALC, LARS and LAMB share, checked once: weight decay and its mask, the
 * trust-ratio mask, the non-finite policy and layer statistics. Each optimizer adds its own
 * (momentum, trust coefficient, Adam's betas, ...) around them.
 *
 * @module
 */
import { checkBoolean, checkNonNegative, checkOneOf } from "./_validate.ts";
import { checkMask } from "./mask.ts";
import { NON_FINITE_POLICIES, type NonFinitePolicy } from "./non_finite.ts";
import type { VariablePredicate } from "./transform.ts";

/** The shared options, as each optimizer's options type declares them. */
export interface SharedLayerwiseOptions {
  /** `lambda` >= 0. */
  weightDecay?: number;
  /** Tensors that get weight decay (true = apply). */
  weightDecayMask?: VariablePredicate;
  /** Tensors whose update the trust ratio scales (true = apply). */
  trustRatioMask?: VariablePredicate;
  /** What a step does with a NaN or Inf gradient. */
  nonFinite?: NonFinitePolicy;
  /** Whether each step's per-tensor ratios are kept for `layerStats()`. */
  recordLayerStats?: boolean;
}

/**
 * `options`' shared values, checked, each missing one taken from `defaults` (the
 * optimizer's exported defaults).
 *
 * @throws {Error} naming `owner`, the option, its value and what is allowed.
 */
export function checkSharedOptions(
  owner: string,
  options: SharedLayerwiseOptions,
  defaults: Required<SharedLayerwiseOptions>,
): Required<SharedLayerwiseOptions> {
  const d = defaults;
  return {
    weightDecay: checkNonNegative(owner, "weightDecay", options.weightDecay ?? d.weightDecay),
    weightDecayMask: checkMask(
      owner,
      "weightDecayMask",
      options.weightDecayMask,
      d.weightDecayMask,
    ),
    trustRatioMask: checkMask(owner, "trustRatioMask", options.trustRatioMask, d.trustRatioMask),
    nonFinite: checkOneOf(
      owner,
      "nonFinite",
      options.nonFinite ?? d.nonFinite,
      NON_FINITE_POLICIES,
    ),
    recordLayerStats: checkBoolean(
      owner,
      "recordLayerStats",
      options.recordLayerStats ?? d.recordLayerStats,
    ),
  };
}
