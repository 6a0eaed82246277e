/**
 * Three readings of "the samples' activations are correlated", each on one layer's
 * pre-activations (the ReLU's input) over one batch. Formulas are in docs/mechanism.md.
 *
 * - {@link centredCosine}: how alike the samples look once each unit's batch mean is removed.
 * - {@link gateAgreement}: how uniformly the samples share each unit's ReLU on/off state
 *   (1: ReLU acts linearly on the batch, the "pseudo-linear" regime).
 * - {@link varianceRetention}: `Var(relu(x)) / Var(x)` per unit, 1/2 - 1/(2 pi) ~= 0.341 for a
 *   zero-mean Gaussian unit, 1 for a unit that is on for every sample.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor } from "../tf_types.ts";

/** Below this fraction of the batch's RMS sample norm a centred sample counts as zero. */
export const DEGENERATE_RELATIVE_NORM = 1e-4;

/** Units whose batch variance is below this are left out of the variance retention. */
export const MIN_UNIT_VARIANCE = 1e-10;

function asMatrix(x: Tensor, name: string): tf.Tensor2D {
  const batch = x.shape[0];
  if (batch === undefined || batch < 2) {
    throw new Error(`${name}: needs at least 2 samples, got shape [${x.shape}]`);
  }
  return tf.reshape(x, [batch, -1]) as tf.Tensor2D;
}

/**
 * Mean and root-mean-square cosine similarity over pairs of distinct samples of `x`
 * (`[batch, ...]`, flattened per sample) after subtracting each unit's batch mean. Returns a
 * `[2]` tensor `[mean, rms]`.
 *
 * Samples whose centred vector is (numerically) zero have no direction: they are left out of
 * the pairs. With fewer than 2 samples left the measure is undefined and both values are NaN;
 * identical samples give NaN. Why two values: the centred vectors sum to zero, so their mean
 * pairwise cosine is close to `-1/(m - 1)` (exactly, when all m norms are equal) whatever the
 * data; the RMS is the informative one, about `1/sqrt(features)` for independent samples and 1
 * when all centred samples lie on one line.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { centredCosine } from "./measures.ts";
 * await useBackend("cpu");
 * const line = tf.tensor2d([[1, 2], [-1, -2], [3, 6], [-3, -6]]); // all on one line
 * const [mean, rms] = centredCosine(line).dataSync();
 * if (Math.abs(rms - 1) > 1e-5 || Math.abs(mean + 1 / 3) > 1e-5) throw new Error("wrong");
 * ```
 */
export function centredCosine(x: Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const flat = asMatrix(x, "centredCosine");
    const centred = tf.sub(flat, tf.mean(flat, 0, true));
    const norms = tf.norm(centred, 2, 1, true);
    const rmsNorm = tf.sqrt(tf.mean(tf.square(tf.norm(flat, 2, 1))));
    const keep = tf.greater(norms, tf.add(tf.mul(rmsNorm, DEGENERATE_RELATIVE_NORM), 1e-30));
    // Kept rows become unit vectors, the others zero (so they add nothing to any sum below).
    const unit = tf.where(
      keep,
      tf.div(centred, tf.where(keep, norms, tf.onesLike(norms))),
      tf.zerosLike(centred),
    );
    const m = tf.sum(tf.cast(keep, "float32"));
    const pairs = tf.mul(m, tf.sub(m, 1));
    const sumAll = tf.sub(tf.sum(tf.square(tf.sum(unit, 0))), m);
    const [batch, features] = unit.shape;
    const gram = batch <= features
      ? tf.matMul(unit, unit, false, true)
      : tf.matMul(unit, unit, true, false);
    const sumSquares = tf.sub(tf.sum(tf.square(gram)), m);
    // 0/0 is NaN on every backend: fewer than 2 usable samples leaves the measure undefined.
    const valid = tf.greaterEqual(m, 2);
    const nan = tf.scalar(NaN);
    const mean = tf.where(valid, tf.div(sumAll, pairs), nan);
    const rms = tf.where(valid, tf.sqrt(tf.relu(tf.div(sumSquares, pairs))), nan);
    return tf.stack([mean, rms]) as tf.Tensor1D;
  });
}

/**
 * Fraction of samples with `x > 0`, per unit: `[units]` (samples on axis 0, the rest
 * flattened into units).
 */
export function gateOpenFraction(x: Tensor): tf.Tensor1D {
  return tf.tidy(() =>
    tf.mean(tf.cast(tf.greater(asMatrix(x, "gateOpenFraction"), 0), "float32"), 0) as tf.Tensor1D
  );
}

/**
 * ReLU gate agreement of pre-activations `x` (`[batch, ...]`): the mean over units of
 * `|2 p_j - 1|`, `p_j` the fraction of samples with `x > 0` at unit `j`. 1 when every
 * sample shares every unit's gate; about `sqrt(2 / (pi batch))` for independent zero-mean
 * units (the mean absolute deviation of a binomial proportion).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { gateAgreement } from "./measures.ts";
 * await useBackend("cpu");
 * // unit 0 on for all, unit 1 on for half the samples: (1 + 0) / 2
 * const a = gateAgreement(tf.tensor2d([[1, 1], [2, -1], [3, 1], [4, -1]])).dataSync()[0];
 * if (a !== 0.5) throw new Error(`got ${a}`);
 * ```
 */
export function gateAgreement(x: Tensor): Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(tf.mul(gateOpenFraction(x), 2), 1))) as Scalar);
}

/**
 * ReLU's variance retention: the mean over units of `Var(relu(x_j)) / Var(x_j)`, variances
 * over the batch (biased, as BN's). Units with a batch variance below
 * {@link MIN_UNIT_VARIANCE} have no ratio and are left out; NaN if no unit is left.
 * 1/2 - 1/(2 pi) ~= 0.341 for zero-mean Gaussian units; 1 for a unit on for every sample, 0
 * for one off for every sample.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { varianceRetention } from "./measures.ts";
 * await useBackend("cpu");
 * const r = varianceRetention(tf.tensor2d([[1], [2], [3]])).dataSync()[0]; // always on
 * if (Math.abs(r - 1) > 1e-6) throw new Error(`got ${r}`);
 * ```
 */
export function varianceRetention(x: Tensor): Scalar {
  return tf.tidy(() => {
    const flat = asMatrix(x, "varianceRetention");
    const v = tf.moments(flat, 0).variance;
    const vr = tf.moments(tf.relu(flat), 0).variance;
    const ok = tf.greater(v, MIN_UNIT_VARIANCE);
    const ratio = tf.where(ok, tf.div(vr, tf.where(ok, v, tf.onesLike(v))), tf.zerosLike(v));
    return tf.div(tf.sum(ratio), tf.sum(tf.cast(ok, "float32"))) as Scalar;
  });
}
