/**
 * LARS, the layer-wise adaptive rate scaling baseline, exactly as `optax.lars`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { optionsToConfig } from "./_config.ts";
import { checkBoolean, checkNonNegative, checkPositive, checkUnitInterval } from "./_validate.ts";
import { addDecayedWeights } from "./decay.ts";
import { checkExclude, checkPredicate } from "./exclude.ts";
import { LayerStatsRecorder } from "./layer_stats.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { trace } from "./trace.ts";
import { chain, masked, type VariablePredicate } from "./transform.ts";
import { scaleByTrustRatio } from "./trust_ratio.ts";
import type { ConfigDict, Variable } from "../tf_types.ts";

/** Options of {@link lars}. */
export interface LarsOptions {
  /** `eta`: number or schedule `(step) => number` at the 0-based step. */
  learningRate: LearningRate;
  /** `mu` in [0, 1). Default 0.9. */
  momentum?: number;
  /** `lambda` >= 0. Default 0. */
  weightDecay?: number;
  /** `kappa` > 0. Default 0.001. */
  trustCoefficient?: number;
  /** Added to `||u||`. Default 0. */
  epsilon?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** Tensors that get neither decay nor the trust ratio. Default: rank <= 1. */
  exclude?: VariablePredicate;
  /**
   * Tensors that get weight decay (true = decayed; optax.lars's `weight_decay_mask`).
   * Default: those not excluded. Use `rankAbove(n)` or `rankAtMost(n)` to keep it savable.
   */
  weightDecayMask?: VariablePredicate;
  /**
   * Tensors that get the trust ratio (true = adapted; optax.lars's `trust_ratio_mask`); the
   * others take the plain rate `eta`. Default: those not excluded.
   */
  trustRatioMask?: VariablePredicate;
  /** Keep each step's per-tensor ratios for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/** {@link LarsOptions} as checked: defaults filled in, except the masks (undefined = derived). */
export type LarsResolvedOptions =
  & Required<Omit<LarsOptions, "weightDecayMask" | "trustRatioMask">>
  & Pick<LarsOptions, "weightDecayMask" | "trustRatioMask">;

/**
 * LARS (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional Networks") with
 * optax.lars's exact order: `u = g + lambda*w`, `u *= kappa*||w||/(||u|| + eps)` (ratio 1
 * when a norm is 0), `u *= -eta(t)`, then the momentum trace `m = u + mu*m`, `w += m`. The
 * learning rate is applied BEFORE the trace, so it sits inside the momentum buffer. Excluded
 * tensors (default rank <= 1) skip the decay and the ratio; `weightDecayMask` and
 * `trustRatioMask` choose the two separately, as optax.lars's masks do.
 */
export class LarsOptimizer extends ChainOptimizer {
  /** Registered serialization name. */
  static override get className(): string {
    return "LARS";
  }

  /** The checked options (defaults filled in; a mask left out stays undefined). */
  readonly options: LarsResolvedOptions;

  /** See {@link lars}. */
  constructor(options: LarsOptions) {
    const owner = "lars";
    const rate = toRateFunction(owner, options?.learningRate);
    const o: LarsResolvedOptions = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? 0.9),
      weightDecay: checkNonNegative(owner, "weightDecay", options.weightDecay ?? 0),
      trustCoefficient: checkPositive(owner, "trustCoefficient", options.trustCoefficient ?? 0.001),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? 0),
      nesterov: checkBoolean(owner, "nesterov", options.nesterov ?? false),
      exclude: checkExclude(owner, options.exclude),
      weightDecayMask: checkPredicate(owner, "weightDecayMask", options.weightDecayMask),
      trustRatioMask: checkPredicate(owner, "trustRatioMask", options.trustRatioMask),
      recordLayerStats: checkBoolean(owner, "recordLayerStats", options.recordLayerStats ?? false),
    };
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const include = (v: Variable) => !o.exclude(v);
    const decayMask = o.weightDecayMask ?? include;
    const ratioMask = o.trustRatioMask ?? include;
    super(
      chain(
        masked(addDecayedWeights(o.weightDecay), decayMask),
        // The rate is folded into the ratio's multiply: one pass over each tensor, not two.
        masked(
          scaleByTrustRatio({
            trustCoefficient: o.trustCoefficient,
            epsilon: o.epsilon,
            learningRate: rate,
            recorder,
          }),
          ratioMask,
        ),
        masked(scaleByLearningRate(rate), (v) => !ratioMask(v)),
        trace({ decay: o.momentum, nesterov: o.nesterov }),
      ),
      { rate, recorder },
    );
    this.options = o;
  }

  /** The options as a ConfigDict; throws for a plain-function learning rate or exclude. */
  override getConfig(): ConfigDict {
    return optionsToConfig("lars", { ...this.options });
  }
}
tf.serialization.registerClass(LarsOptimizer);

/**
 * A LARS optimizer (optax.lars semantics) as a `tf.Optimizer`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { lars } from "@lalc/large-batch";
 * import { linearScaling, warmupCosine } from "@lalc/large-batch";
 * const peak = linearScaling(0.1, 4096);
 * const opt = lars({
 *   learningRate: warmupCosine({ init: 0, peak, warmupSteps: 100, decaySteps: 2000 }),
 *   weightDecay: 5e-4,
 * });
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2, 2]), true, "doc/lars/kernel");
 * opt.applyGradients({ [w.name]: tf.ones([2, 2]) });
 * assertEquals([...await w.data()].every((v) => v === 1), true); // warmup starts at 0
 * ```
 */
export function lars(options: LarsOptions): LarsOptimizer {
  return new LarsOptimizer(options);
}
