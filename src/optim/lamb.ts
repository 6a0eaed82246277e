/**
 * LAMB, the layer-wise adaptive Adam baseline: `optax.lamb`'s formula, with separate decay and
 * trust-ratio masks (default on kernels only) and timm's optional `trustClip`.
 *
 * @module
 */
import { optionsToConfig } from "./_config.ts";
import { checkSharedOptions } from "./_layerwise_options.ts";
import {
  checkBoolean,
  checkKeys,
  checkNonNegative,
  checkOptionsObject,
  checkUnitInterval,
} from "./_validate.ts";
import { scaleByAdam } from "./adam.ts";
import { addDecayedWeights } from "./decay.ts";
import { DEFAULT_MASK } from "./mask.ts";
import { LayerStatsRecorder } from "./layer_stats.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import type { NonFinitePolicy } from "./non_finite.ts";
import { fusedUpdate } from "./fused_update.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { chain, masked, type VariablePredicate } from "./transform.ts";
import { scaleByTrustRatio } from "./trust_ratio.ts";
import type { ConfigDict } from "../tf_types.ts";

/** Options of {@link lamb}. */
export interface LambOptions {
  /** `eta`: number or schedule `(step) => number` at the 0-based step. */
  learningRate: LearningRate;
  /** In [0, 1). Default 0.9. */
  beta1?: number;
  /** In [0, 1). Default 0.999. */
  beta2?: number;
  /** Adam's epsilon >= 0. Default 1e-6. */
  epsilon?: number;
  /** `lambda` >= 0. Default 0. */
  weightDecay?: number;
  /**
   * Clip the trust ratio at 1, `min(||w||/||u||, 1)` (timm's `trust_clip`, "LAMBC"): a layer's
   * step may shrink but never grow past `eta * ||u||`. Default false.
   */
  trustClip?: boolean;
  /**
   * Tensors that get weight decay (true = decayed; optax.lamb's `mask`). Default
   * `rankAbove(1)` (optax: every tensor). Build it from `rankAbove`, `nameMatches`,
   * `allTensors`, ... to keep it savable.
   */
  weightDecayMask?: VariablePredicate;
  /**
   * Tensors that get the trust ratio (true = adapted); the others take Adam's step at `eta`.
   * Default `rankAbove(1)` (optax.lamb: every tensor, which `allTensors()` gives).
   */
  trustRatioMask?: VariablePredicate;
  /** What a step with a NaN or Inf gradient does. Default "apply" (see {@link NonFinitePolicy}). */
  nonFinite?: NonFinitePolicy;
  /** Record the per-tensor ratios of the latest step for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/**
 * LAMB's defaults, the only place they are stated. Every option but `learningRate`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { LAMB_DEFAULTS } from "./lamb.ts";
 * assertEquals([LAMB_DEFAULTS.beta1, LAMB_DEFAULTS.beta2, LAMB_DEFAULTS.epsilon], [0.9, 0.999, 1e-6]);
 * ```
 */
export const LAMB_DEFAULTS: Readonly<Required<Omit<LambOptions, "learningRate">>> = Object
  .freeze({
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-6,
    weightDecay: 0,
    trustClip: false,
    weightDecayMask: DEFAULT_MASK,
    trustRatioMask: DEFAULT_MASK,
    nonFinite: "apply",
    recordLayerStats: false,
  });

const KEYS = ["learningRate", ...Object.keys(LAMB_DEFAULTS)];

/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes", Algorithm 2) in optax.lamb's order: bias-corrected Adam direction
 * `r = m_hat / (sqrt(v_hat) + eps)`, `u = r + lambda*w` (on `weightDecayMask`),
 * `u *= ||w||/||u||` (on `trustRatioMask`; ratio 1 when a norm is 0; with `trustClip`, at
 * most 1), `w -= eta(t) * u`. The rate multiplies at the end (no momentum buffer holds it).
 */
export class LambOptimizer extends ChainOptimizer {
  /** Registered serialization name. */
  static override get className(): string {
    return "LAMB";
  }

  /** The checked options (defaults filled in). */
  readonly options: Required<LambOptions>;

  /** See {@link lamb}. */
  constructor(options: LambOptions) {
    const owner = "lamb";
    checkOptionsObject(owner, options);
    checkKeys(owner, options, KEYS);
    const rate = toRateFunction(owner, options.learningRate);
    const d = LAMB_DEFAULTS;
    const o: Required<LambOptions> = {
      learningRate: options.learningRate,
      beta1: checkUnitInterval(owner, "beta1", options.beta1 ?? d.beta1),
      beta2: checkUnitInterval(owner, "beta2", options.beta2 ?? d.beta2),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? d.epsilon),
      trustClip: checkBoolean(owner, "trustClip", options.trustClip ?? d.trustClip),
      ...checkSharedOptions(owner, options, d),
    };
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const adapted = o.trustRatioMask;
    super(
      chain(
        scaleByAdam({ beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon }),
        masked(addDecayedWeights(o.weightDecay), o.weightDecayMask),
        // The rate is folded into the ratio's multiply: one pass over each tensor, not two.
        masked(
          scaleByTrustRatio({
            learningRate: rate,
            maxRatio: o.trustClip ? 1 : undefined,
            recorder,
          }),
          adapted,
        ),
        masked(scaleByLearningRate(rate), (v) => !adapted(v)),
      ),
      {
        rate,
        recorder,
        nonFinite: o.nonFinite,
        fused: fusedUpdate({
          method: "lamb",
          hyper: {
            beta1: o.beta1,
            beta2: o.beta2,
            epsilon: o.epsilon,
            weightDecay: o.weightDecay,
            trustClip: o.trustClip,
          },
          weightDecayMask: o.weightDecayMask,
          trustRatioMask: o.trustRatioMask,
        }),
      },
    );
    this.options = o;
  }

  /** The options as a ConfigDict; throws for a plain-function learning rate or mask. */
  override getConfig(): ConfigDict {
    return optionsToConfig("lamb", { ...this.options });
  }
}

/**
 * A LAMB optimizer (optax.lamb's formula; see docs/method.md for the defaults that differ).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { lamb } from "@lalc/large-batch";
 * const opt = lamb({ learningRate: 0.01, weightDecay: 0.01 });
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2, 2]), true, "doc/lamb/kernel");
 * opt.applyGradients({ [w.name]: tf.ones([2, 2]) });
 * assertEquals([...await w.data()].every((v) => v < 1), true); // a step against the gradient
 * ```
 */
export function lamb(options: LambOptions): LambOptimizer {
  return new LambOptimizer(options);
}
