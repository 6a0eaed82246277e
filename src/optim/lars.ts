/**
 * LARS, the layer-wise adaptive rate scaling baseline: `optax.lars`'s formula and order, with
 * the masks' default on kernels only and timm's optional `trustClip`.
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
  checkPositive,
  checkUnitInterval,
} from "./_validate.ts";
import { addDecayedWeights } from "./decay.ts";
import { DEFAULT_MASK } from "./mask.ts";
import { LayerStatsRecorder } from "./layer_stats.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import type { NonFinitePolicy } from "./non_finite.ts";
import { fusedUpdate } from "./fused_update.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { trace } from "./trace.ts";
import { chain, masked, type VariablePredicate } from "./transform.ts";
import { scaleByTrustRatio } from "./trust_ratio.ts";
import type { ConfigDict } from "../tf_types.ts";

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
  /**
   * LARC's clip mode, timm's `Lars(trust_clip=True)`: a tensor's rate is
   * `eta * min(ratio / eta, 1)`, the trust ratio read as a rate and capped at `eta`, instead of
   * `eta * ratio`. Default false.
   */
  trustClip?: boolean;
  /**
   * Tensors that get weight decay (true = decayed; optax.lars's `weight_decay_mask`).
   * Default `rankAbove(1)` (optax: every tensor). Build it from `rankAbove`, `nameMatches`,
   * `allTensors`, ... to keep it savable.
   */
  weightDecayMask?: VariablePredicate;
  /**
   * Tensors that get the trust ratio (true = adapted; optax.lars's `trust_ratio_mask`); the
   * others take the plain rate `eta`. Default `rankAbove(1)` (optax: every tensor).
   */
  trustRatioMask?: VariablePredicate;
  /** What a step with a NaN or Inf gradient does. Default "apply" (see {@link NonFinitePolicy}). */
  nonFinite?: NonFinitePolicy;
  /** Record the per-tensor ratios of the latest step for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/**
 * LARS's defaults, the only place they are stated. Every option but `learningRate`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { LARS_DEFAULTS } from "./lars.ts";
 * assertEquals([LARS_DEFAULTS.trustCoefficient, LARS_DEFAULTS.epsilon], [0.001, 0]);
 * ```
 */
export const LARS_DEFAULTS: Readonly<Required<Omit<LarsOptions, "learningRate">>> = Object
  .freeze({
    momentum: 0.9,
    weightDecay: 0,
    trustCoefficient: 0.001,
    epsilon: 0,
    nesterov: false,
    trustClip: false,
    weightDecayMask: DEFAULT_MASK,
    trustRatioMask: DEFAULT_MASK,
    nonFinite: "apply",
    recordLayerStats: false,
  });

const KEYS = ["learningRate", ...Object.keys(LARS_DEFAULTS)];

/**
 * LARS (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional Networks") in
 * optax.lars's exact order: `u = g + lambda*w` (on `weightDecayMask`),
 * `u *= kappa*||w||/(||u|| + eps)` (on `trustRatioMask`; ratio 1 when a norm is 0),
 * `u *= -eta(t)`, then the momentum trace `m = u + mu*m`, `w += m`. The learning rate is
 * applied BEFORE the trace, so it sits inside the momentum buffer. With `trustClip` the ratio
 * and the rate become `min(ratio, eta)` (timm's LARC clip).
 */
export class LarsOptimizer extends ChainOptimizer {
  /** Registered serialization name. */
  static override get className(): string {
    return "LARS";
  }

  /** The checked options (defaults filled in). */
  readonly options: Required<LarsOptions>;

  /** See {@link lars}. */
  constructor(options: LarsOptions) {
    const owner = "lars";
    checkOptionsObject(owner, options);
    checkKeys(owner, options, KEYS);
    const rate = toRateFunction(owner, options.learningRate);
    const d = LARS_DEFAULTS;
    const o: Required<LarsOptions> = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? d.momentum),
      trustCoefficient: checkPositive(
        owner,
        "trustCoefficient",
        options.trustCoefficient ?? d.trustCoefficient,
      ),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? d.epsilon),
      nesterov: checkBoolean(owner, "nesterov", options.nesterov ?? d.nesterov),
      trustClip: checkBoolean(owner, "trustClip", options.trustClip ?? d.trustClip),
      ...checkSharedOptions(owner, options, d),
    };
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const adapted = o.trustRatioMask;
    super(
      chain(
        masked(addDecayedWeights(o.weightDecay), o.weightDecayMask),
        // The rate is folded into the ratio's multiply: one pass over each tensor, not two.
        masked(
          scaleByTrustRatio({
            trustCoefficient: o.trustCoefficient,
            epsilon: o.epsilon,
            learningRate: rate,
            clipAtLearningRate: o.trustClip,
            recorder,
          }),
          adapted,
        ),
        masked(scaleByLearningRate(rate), (v) => !adapted(v)),
        trace({ decay: o.momentum, nesterov: o.nesterov }),
      ),
      {
        rate,
        recorder,
        nonFinite: o.nonFinite,
        fused: fusedUpdate({
          method: "lars",
          hyper: {
            momentum: o.momentum,
            nesterov: o.nesterov,
            weightDecay: o.weightDecay,
            trustCoefficient: o.trustCoefficient,
            epsilon: o.epsilon,
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
    return optionsToConfig("lars", { ...this.options });
  }
}

/**
 * A LARS optimizer (optax.lars's formula; see docs/method.md for the defaults that differ) as
 * a `tf.Optimizer`.
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
