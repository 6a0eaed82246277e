/**
 * Layer-wise adaptation: the LARS/LAMB trust ratio and LALC's clipped layer learning rate.
 * Both compute every tensor's norms in one batch on the device (see `_norms.ts`) and turn
 * them into per-tensor factors with a few vector ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkBoolean, checkNonNegative, checkPositive } from "./_validate.ts";
import { squaredNorms } from "./_norms.ts";
import type { LayerStatsRecorder } from "./layer_stats.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import type { GradientTransformation } from "./transform.ts";

/** `[||w_i||]` and `[||u_i||]` for all tensors, from one stacked computation. */
function layerNorms(params: tf.Tensor[], updates: tf.Tensor[]): [tf.Tensor1D, tf.Tensor1D] {
  const k = params.length;
  const norms = tf.sqrt(squaredNorms([...params, ...updates]));
  return [tf.slice(norms, 0, k), tf.slice(norms, k, k)];
}

function scaleEach(updates: tf.Tensor[], factors: tf.Tensor1D): tf.Tensor[] {
  const f = tf.unstack(factors);
  return updates.map((u, i) => tf.mul(u, f[i]));
}

/** Options of {@link scaleByTrustRatio}. */
export interface TrustRatioOptions {
  /** `kappa`; 1 for LAMB, 0.001 for LARS. Default 1. */
  trustCoefficient?: number;
  /** Added to `||u||`. Default 0. */
  epsilon?: number;
  /**
   * Upper bound of the ratio: `min(ratio, maxRatio)` (timm's LAMB `trust_clip` is 1, the
   * "LAMBC" variant). Default: none.
   */
  maxRatio?: number;
  /**
   * When given, also scales by `-eta(t)` in the same multiply (LARS's "global LR x local LR",
   * You et al. 2017 eq. 6), saving one full pass over every tensor per step.
   */
  learningRate?: LearningRate;
  /**
   * LARC's clip mode (timm's LARS `trust_clip`): the factor becomes `-min(ratio, eta)`, the
   * ratio read as a rate and capped at the global rate, instead of `-eta * ratio`. Needs
   * `learningRate`. Default false.
   */
  clipAtLearningRate?: boolean;
  /** Receives the per-tensor ratios and rates of each step. */
  recorder?: LayerStatsRecorder;
}

/**
 * The trust ratio of LARS (You, Gitman & Ginsburg 2017, "Large Batch Training of
 * Convolutional Networks") and LAMB (You et al. 2019, "Large Batch Optimization for Deep
 * Learning"), as optax `scale_by_trust_ratio`: `u *= kappa * ||w|| / (||u|| + eps)`, ratio 1
 * when `||w||` or `||u||` is 0, then, with `maxRatio`, `min(ratio, maxRatio)`. Wrap it in
 * `masked` to skip biases and BN parameters.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * import { scaleByTrustRatio } from "@lalc/large-batch";
 * const lambRatio = scaleByTrustRatio();
 * await useBackend("cpu");
 * const w = tf.variable(tf.tensor1d([3, 4])); // ||w|| = 5
 * new ChainOptimizer(chain(lambRatio, scaleByLearningRate(0.1)))
 *   .minimize(() => tf.sum(tf.square(w))); // gradient [6, 8], ||u|| = 10: ratio 0.5
 * // the step is 0.1 * ratio * u = [0.3, 0.4], of length 0.1 * ||w||
 * assertEquals([...await w.data()].map((x) => Math.round(x * 1e6) / 1e6), [2.7, 3.6]);
 * ```
 */
export function scaleByTrustRatio(options: TrustRatioOptions = {}): GradientTransformation {
  const owner = "scaleByTrustRatio";
  const kappa = checkPositive(owner, "trustCoefficient", options.trustCoefficient ?? 1);
  const epsilon = checkNonNegative(owner, "epsilon", options.epsilon ?? 0);
  const maxRatio = options.maxRatio === undefined
    ? null
    : checkPositive(owner, "maxRatio", options.maxRatio);
  const rate = options.learningRate === undefined
    ? null
    : toRateFunction(owner, options.learningRate);
  const clipAtRate = checkBoolean(owner, "clipAtLearningRate", options.clipAtLearningRate ?? false);
  if (clipAtRate && rate === null) {
    throw new Error(`${owner}: clipAtLearningRate needs learningRate; give both or neither`);
  }
  const recorder = options.recorder;
  return {
    init: () => [],
    stateSize: () => 0,
    update(updates, _state, params, step) {
      const [wNorm, uNorm] = layerNorms(params, updates);
      const raw = tf.div(tf.mul(wNorm, kappa), tf.add(uNorm, epsilon));
      const zero = tf.logicalOr(tf.equal(wNorm, 0), tf.equal(uNorm, 0));
      const unclipped = tf.where(zero, tf.onesLike(raw), raw) as tf.Tensor1D;
      const ratio = maxRatio === null ? unclipped : tf.minimum(unclipped, maxRatio) as tf.Tensor1D;
      const eta = rate === null ? 1 : rate(step);
      if (clipAtRate) {
        const clipped = tf.minimum(ratio, eta) as tf.Tensor1D;
        recorder?.record(params.map((p) => p.name), ratio, clipped);
        return scaleEach(updates, tf.neg(clipped));
      }
      recorder?.record(params.map((p) => p.name), ratio, tf.mul(ratio, eta));
      return scaleEach(updates, rate === null ? ratio : tf.mul(ratio, -eta));
    },
  };
}

/**
 * Options of {@link clipLayerLearningRate}. The defaults are neutral (no floor, ceiling at the
 * global rate, `kappa` 1, no epsilon: LARC's clip mode); LALC's own values live in
 * `LALC_DEFAULTS` (lalc.ts) alone.
 */
export interface ClipLayerOptions {
  /** The global rate `eta(t)`. */
  learningRate: LearningRate;
  /** `kappa` > 0. Default 1. */
  trustCoefficient?: number;
  /** `rho`: the floor as a fraction of `eta`. Default 0 (no floor). */
  minRatio?: number;
  /** The ceiling as a fraction of `eta`. Default 1. */
  maxRatio?: number;
  /** Added to `||u||`. Default 0. */
  epsilon?: number;
  /** Receives the per-tensor local steps and clipped rates of each step. */
  recorder?: LayerStatsRecorder;
}

/**
 * LALC, Layer-wise Asymmetric Learning rate Clipping (Paik & Choi, arXiv 2304.11692, as this
 * project defines it): `local = kappa * ||w|| / (||u|| + eps)` (`local = eta` when a norm is
 * 0), `eta_w = min(max(local, rho * eta), maxRatio * eta)`, output `-eta_w * u`. The clip
 * keeps an exploding layer's step small (an automatic per-layer warmup) without ever raising
 * a layer above the global rate. With `rho = 0, maxRatio = 1` (the defaults) this is NVIDIA's
 * LARC in clip mode.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { clipLayerLearningRate } from "@lalc/large-batch";
 * import { LALC_DEFAULTS } from "@lalc/large-batch";
 * const { trustCoefficient, minRatio, maxRatio, epsilon } = LALC_DEFAULTS;
 * const clip = clipLayerLearningRate({
 *   learningRate: 0.1,
 *   trustCoefficient,
 *   minRatio,
 *   maxRatio,
 *   epsilon,
 * });
 * await useBackend("cpu");
 * const w = tf.variable(tf.tensor1d([3, 4])); // ||w|| = 5
 * new ChainOptimizer(clip).minimize(() => tf.sum(tf.square(w))); // gradient [6, 8], ||u|| = 10
 * // local = 0.02 * 5 / (10 + 1e-9) ~ 0.01, inside [0.01 * 0.1, 0.1]: the layer's rate is 0.01
 * assertEquals([...await w.data()].map((x) => Math.round(x * 1e6) / 1e6), [2.94, 3.92]);
 * ```
 */
export function clipLayerLearningRate(options: ClipLayerOptions): GradientTransformation {
  const owner = "clipLayerLearningRate";
  const rate = toRateFunction(owner, options.learningRate);
  const kappa = checkPositive(owner, "trustCoefficient", options.trustCoefficient ?? 1);
  const minRatio = checkNonNegative(owner, "minRatio", options.minRatio ?? 0);
  const maxRatio = checkNonNegative(owner, "maxRatio", options.maxRatio ?? 1);
  const epsilon = checkNonNegative(owner, "epsilon", options.epsilon ?? 0);
  if (minRatio > maxRatio) {
    throw new Error(
      `${owner}: minRatio must be <= maxRatio (${maxRatio}), got ${minRatio}`,
    );
  }
  const recorder = options.recorder;
  return {
    init: () => [],
    stateSize: () => 0,
    update(updates, _state, params, step) {
      const eta = rate(step);
      const [wNorm, uNorm] = layerNorms(params, updates);
      const raw = tf.div(tf.mul(wNorm, kappa), tf.add(uNorm, epsilon));
      const zero = tf.logicalOr(tf.equal(wNorm, 0), tf.equal(uNorm, 0));
      const local = tf.where(zero, tf.fill([params.length], eta), raw) as tf.Tensor1D;
      const clipped = tf.minimum(tf.maximum(local, minRatio * eta), maxRatio * eta) as tf.Tensor1D;
      recorder?.record(params.map((p) => p.name), local, clipped);
      return scaleEach(updates, tf.neg(clipped));
    },
  };
}
