/**
 * LALC, the method this project implements (a reconstruction from the published
 * description of Paik & Choi; see docs/method.md).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { optionsToConfig } from "./_config.ts";
import { checkBoolean, checkNonNegative, checkPositive, checkUnitInterval } from "./_validate.ts";
import { addDecayedWeights } from "./decay.ts";
import { checkExclude } from "./exclude.ts";
import { LayerStatsRecorder } from "./layer_stats.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { trace } from "./trace.ts";
import { chain, masked, type VariablePredicate } from "./transform.ts";
import { clipLayerLearningRate } from "./trust_ratio.ts";
import type { ConfigDict, Variable } from "../tf_types.ts";

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
  /** Tensors that get neither decay nor clipping (they use `eta`). Default: rank <= 1. */
  exclude?: VariablePredicate;
  /** Keep each step's per-tensor ratios for {@link ChainOptimizer.layerStats}. Default false. */
  recordLayerStats?: boolean;
}

/**
 * LALC, Layer-wise Asymmetric Learning rate Clipping (Paik & Choi, "The Disharmony between
 * BN and ReLU Causes Gradient Explosion, but is Offset by the Correlation between
 * Activations", arXiv 2304.11692; ICLR 2023 submission OpenReview BSUoWl5yfv), as this
 * project defines it. Per non-excluded tensor: `u = g + lambda*w`,
 * `local = kappa*||w||/(||u|| + eps)` (`eta` when a norm is 0),
 * `eta_w = min(max(local, rho*eta), maxRatio*eta)`; excluded tensors: `u = g`, `eta_w = eta`.
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
    const rate = toRateFunction(owner, options?.learningRate);
    const o: Required<LalcOptions> = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? 0.9),
      weightDecay: checkNonNegative(owner, "weightDecay", options.weightDecay ?? 0),
      trustCoefficient: checkPositive(owner, "trustCoefficient", options.trustCoefficient ?? 0.02),
      minRatio: checkNonNegative(owner, "minRatio", options.minRatio ?? 0.01),
      maxRatio: checkNonNegative(owner, "maxRatio", options.maxRatio ?? 1),
      epsilon: checkNonNegative(owner, "epsilon", options.epsilon ?? 1e-9),
      exclude: checkExclude(owner, options.exclude),
      recordLayerStats: checkBoolean(owner, "recordLayerStats", options.recordLayerStats ?? false),
    };
    if (o.minRatio > o.maxRatio) {
      throw new Error(
        `${owner}: minRatio must be <= maxRatio (${o.maxRatio}), got ${o.minRatio}`,
      );
    }
    const recorder = o.recordLayerStats ? new LayerStatsRecorder() : undefined;
    const include = (v: Variable) => !o.exclude(v);
    super(
      chain(
        masked(addDecayedWeights(o.weightDecay), include),
        masked(
          clipLayerLearningRate({
            learningRate: rate,
            trustCoefficient: o.trustCoefficient,
            minRatio: o.minRatio,
            maxRatio: o.maxRatio,
            epsilon: o.epsilon,
            recorder,
          }),
          include,
        ),
        masked(scaleByLearningRate(rate), o.exclude),
        trace({ decay: o.momentum }),
      ),
      { rate, recorder },
    );
    this.options = o;
  }

  /** The options as a ConfigDict; throws for a plain-function learning rate or exclude. */
  override getConfig(): ConfigDict {
    return optionsToConfig("lalc", { ...this.options });
  }
}
tf.serialization.registerClass(LalcOptimizer);

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
