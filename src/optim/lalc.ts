/**
 * LALC, the method this project implements (a reconstruction from the published
 * description of Paik & Choi; see docs/method.md).
 *
 * @module
 */
import { optionsToConfig } from "./_config.ts";
import { checkSharedOptions } from "./_layerwise_options.ts";
import {
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
import { clipLayerLearningRate } from "./trust_ratio.ts";
import type { ConfigDict } from "../tf_types.ts";

/** Options of {@link lalc}. */
export interface LalcOptions {
  /** `eta`: number or schedule `(step) => number` at the 0-based step (no warmup needed). */
  learningRate: LearningRate;
  /** `mu` in [0, 1). Default 0.9. */
  momentum?: number;
  /** `lambda` >= 0. Default 0. */
  weightDecay?: number;
  /** `kappa` > 0. Default 0.02. */
  trustCoefficient?: number;
  /** `rho` >= 0: floor of a layer's rate as a fraction of `eta`. Default 0.01. */
  minRatio?: number;
  /** Ceiling as a fraction of `eta`, >= minRatio. Default 1. */
  maxRatio?: number;
  /** Added to `||u||`. Default 1e-9. */
  epsilon?: number;
  /**
   * Tensors that get weight decay (true = decayed). Default `rankAbove(1)`: kernels, not
   * biases or BN gamma/beta. Build it from `rankAbove`, `nameMatches`, ... to keep it savable.
   */
  weightDecayMask?: VariablePredicate;
  /**
   * Tensors whose rate LALC clips (true = clipped); the others take the global rate `eta`.
   * Default `rankAbove(1)`.
   */
  trustRatioMask?: VariablePredicate;
  /** What a step with a NaN or Inf gradient does. Default "apply" (see {@link NonFinitePolicy}). */
  nonFinite?: NonFinitePolicy;
  /** Record the per-tensor ratios of the latest step for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/**
 * LALC's defaults, the only place they are stated (the transformation
 * `clipLayerLearningRate` takes neutral ones). Every option but `learningRate`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { LALC_DEFAULTS, lalc } from "./lalc.ts";
 * // a planted regression: LALC with a trust coefficient 10x too small
 * const weak = lalc({ learningRate: 0.1, trustCoefficient: LALC_DEFAULTS.trustCoefficient / 10 });
 * assertEquals(weak.options.trustCoefficient, 0.002);
 * ```
 */
export const LALC_DEFAULTS: Readonly<Required<Omit<LalcOptions, "learningRate">>> = Object
  .freeze({
    momentum: 0.9,
    weightDecay: 0,
    trustCoefficient: 0.02,
    minRatio: 0.01,
    maxRatio: 1,
    epsilon: 1e-9,
    weightDecayMask: DEFAULT_MASK,
    trustRatioMask: DEFAULT_MASK,
    nonFinite: "apply",
    recordLayerStats: false,
  });

const KEYS = ["learningRate", ...Object.keys(LALC_DEFAULTS)];

/**
 * LALC, Layer-wise Asymmetric Learning rate Clipping (Paik & Choi, "The Disharmony between
 * BN and ReLU Causes Gradient Explosion, but is Offset by the Correlation between
 * Activations", arXiv 2304.11692; ICLR 2023 submission OpenReview BSUoWl5yfv), as this
 * project defines it. Per tensor: `u = g + lambda*w` where `weightDecayMask` says (else
 * `u = g`); where `trustRatioMask` says, `local = kappa*||w||/(||u|| + eps)` (`eta` when a
 * norm is 0) and `eta_w = min(max(local, rho*eta), maxRatio*eta)`, else `eta_w = eta`.
 * Then `v = mu*v + eta_w*u; w -= v` (the buffer stores `-v`, optax's sign convention).
 */
export class LalcOptimizer extends ChainOptimizer {
  /** Registered serialization name. */
  static override get className(): string {
    return "LALC";
  }

  /** The checked options (defaults filled in). */
  readonly options: Required<LalcOptions>;

  /** See {@link lalc}. */
  constructor(options: LalcOptions) {
    const owner = "lalc";
    checkOptionsObject(owner, options);
    checkKeys(owner, options, KEYS);
    const rate = toRateFunction(owner, options.learningRate);
    const d = LALC_DEFAULTS;
    const o: Required<LalcOptions> = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? d.momentum),
      trustCoefficient: checkPositive(
        owner,
        "trustCoefficient",
        options.trustCoefficient ?? d.trustCoefficient,
      ),
      minRatio: checkNonNegative(owner, "minRatio", options.minRatio ?? d.minRatio),
      maxRatio: checkNonNegative(owner, "maxRatio", options.maxRatio ?? d.maxRatio),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? d.epsilon),
      ...checkSharedOptions(owner, options, d),
    };
    if (o.minRatio > o.maxRatio) {
      throw new Error(
        `${owner}: minRatio must be <= maxRatio (${o.maxRatio}), got ${o.minRatio}`,
      );
    }
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const clipped = o.trustRatioMask;
    super(
      chain(
        masked(addDecayedWeights(o.weightDecay), o.weightDecayMask),
        masked(
          clipLayerLearningRate({
            learningRate: rate,
            trustCoefficient: o.trustCoefficient,
            minRatio: o.minRatio,
            maxRatio: o.maxRatio,
            epsilon: o.epsilon,
            recorder,
          }),
          clipped,
        ),
        masked(scaleByLearningRate(rate), (v) => !clipped(v)),
        trace({ decay: o.momentum }),
      ),
      {
        rate,
        recorder,
        nonFinite: o.nonFinite,
        fused: fusedUpdate({
          method: "lalc",
          hyper: {
            momentum: o.momentum,
            weightDecay: o.weightDecay,
            trustCoefficient: o.trustCoefficient,
            minRatio: o.minRatio,
            maxRatio: o.maxRatio,
            epsilon: o.epsilon,
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
    return optionsToConfig("lalc", { ...this.options });
  }
}

/**
 * A LALC optimizer. With `minRatio: 0, maxRatio: 1` it is NVIDIA's LARC in clip mode.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { lalc } from "@lalc/large-batch";
 * import { linearScaling } from "@lalc/large-batch";
 * const opt = lalc({ learningRate: linearScaling(0.1, 4096), recordLayerStats: true });
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2, 2]), true, "doc/lalc/kernel");
 * opt.applyGradients({ [w.name]: tf.ones([2, 2]) });
 * assertEquals([...await w.data()].every((v) => v < 1), true); // a step against the gradient
 * assertEquals((await opt.layerStats()).map((s) => s.name), [w.name]);
 * ```
 */
export function lalc(options: LalcOptions): LalcOptimizer {
  return new LalcOptimizer(options);
}
