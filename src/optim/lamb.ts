/**
 * LAMB, the layer-wise adaptive Adam baseline, as `optax.lamb` (with the project's mask).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { optionsToConfig } from "./_config.ts";
import { checkBoolean, checkNonNegative, checkUnitInterval } from "./_validate.ts";
import { scaleByAdam } from "./adam.ts";
import { addDecayedWeights } from "./decay.ts";
import { checkExclude } from "./exclude.ts";
import { LayerStatsRecorder } from "./layer_stats.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { chain, masked, type VariablePredicate } from "./transform.ts";
import { scaleByTrustRatio } from "./trust_ratio.ts";
import type { ConfigDict, Variable } from "../tf_types.ts";

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
  /** Tensors that get neither decay nor the trust ratio. Default: rank <= 1. */
  exclude?: VariablePredicate;
  /** Keep each step's per-tensor ratios for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes", Algorithm 2) as optax.lamb: bias-corrected Adam direction
 * `r = m_hat / (sqrt(v_hat) + eps)`, `u = r + lambda*w`, `u *= ||w||/||u||` (ratio 1 when a
 * norm is 0; with `trustClip`, at most 1), `w -= eta(t) * u`. The rate multiplies at the end (no momentum buffer holds
 * it). Excluded tensors (default rank <= 1) get neither the decay nor the ratio.
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
    const rate = toRateFunction(owner, options?.learningRate);
    const o: Required<LambOptions> = {
      learningRate: options.learningRate,
      beta1: checkUnitInterval(owner, "beta1", options.beta1 ?? 0.9),
      beta2: checkUnitInterval(owner, "beta2", options.beta2 ?? 0.999),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? 1e-6),
      weightDecay: checkNonNegative(owner, "weightDecay", options.weightDecay ?? 0),
      trustClip: checkBoolean(owner, "trustClip", options.trustClip ?? false),
      exclude: checkExclude(owner, options.exclude),
      recordLayerStats: checkBoolean(owner, "recordLayerStats", options.recordLayerStats ?? false),
    };
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const include = (v: Variable) => !o.exclude(v);
    super(
      chain(
        scaleByAdam({ beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon }),
        masked(addDecayedWeights(o.weightDecay), include),
        // The rate is folded into the ratio's multiply: one pass over each tensor, not two.
        masked(
          scaleByTrustRatio({
            learningRate: rate,
            maxRatio: o.trustClip ? 1 : undefined,
            recorder,
          }),
          include,
        ),
        masked(scaleByLearningRate(rate), o.exclude),
      ),
      { rate, recorder },
    );
    this.options = o;
  }

  /** The options as a ConfigDict; throws for a plain-function learning rate or exclude. */
  override getConfig(): ConfigDict {
    return optionsToConfig("lamb", { ...this.options });
  }
}
tf.serialization.registerClass(LambOptimizer);

/**
 * A LAMB optimizer (optax.lamb semantics, excluded tensors skip decay and ratio).
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
