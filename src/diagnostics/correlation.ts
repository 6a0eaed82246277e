/**
 * How alike the samples of one batch look to a layer (the statistic the paper says offsets
 * the gradient explosion as training goes on), and the correlations of two series over
 * training that the mechanism test reads: raw, of first differences, and partial (given
 * control series such as the loss and the learning rate).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor } from "../tf_types.ts";

/**
 * Mean cosine similarity over all pairs `i != j` of samples in a batch of activations
 * (any rank; each sample is flattened). Returns a scalar tensor.
 *
 * Computed in O(batch x features) through `sum_{i != j} cos_ij = ||sum_i u_i||^2 - batch`
 * with `u_i` the unit-normalized samples, so it costs no batch x batch matrix even at large
 * batches. Post-ReLU activations are non-negative, so independent samples already give
 * about `1/pi ~= 0.32` (the squared mean over the second moment of a rectified Gaussian);
 * identical samples give 1. An all-zero sample counts as orthogonal to every other.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { meanPairwiseCosine } from "@lalc/large-batch/diagnostics";
 * await useBackend("cpu");
 * const same = tf.ones([4, 3]);
 * assertEquals(Math.round(meanPairwiseCosine(same).dataSync()[0] * 1e5) / 1e5, 1);
 * ```
 */
export function meanPairwiseCosine(activations: Tensor): Scalar {
  const batch = activations.shape[0];
  if (batch === undefined || batch < 2) {
    throw new Error(`activations must hold at least 2 samples, got shape [${activations.shape}]`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(activations, [batch, -1]);
    const norms = tf.norm(flat, 2, 1, true);
    // Zero rows stay zero (0/1), so they add nothing to the sum: "orthogonal to all".
    const safe = tf.where(tf.greater(norms, 0), norms, tf.onesLike(norms));
    const sum = tf.sum(tf.div(flat, safe), 0);
    const offDiagonal = tf.sub(tf.sum(tf.square(sum)), tf.sum(tf.square(tf.div(flat, safe))));
    return tf.div(offDiagonal, batch * (batch - 1)) as Scalar;
  });
}

/**
 * Pearson's correlation of two equally long series, in float64. NaN when either series is
 * constant (relative spread below 1e-12: a constant learning rate correlates with nothing) or
 * has fewer than 3 points.
 *
 * @example
 * ```ts
 * import { pearson } from "./correlation.ts";
 * // Centred: [-2, 0, -1, 3] and [-2, 0, 3, -1]; dot -2, both squared norms 14.
 * const r = pearson([1, 3, 2, 6], [1, 3, 6, 2]);
 * if (Math.abs(r - -1 / 7) > 1e-15) throw new Error(`got ${r}`);
 * ```
 */
export function pearson(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`series differ in length: ${a.length}, ${b.length}`);
  const n = a.length;
  if (n < 3) return NaN;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  const flat = (ss: number, m: number) => ss <= 1e-12 * n * Math.max(m * m, 1e-30);
  return flat(saa, ma) || flat(sbb, mb) ? NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * The residuals of `y` after least squares on an intercept and the `controls` (each a series
 * as long as `y`). Solved by modified Gram-Schmidt on the columns, skipping a column that the
 * ones before it already span (a constant control, or a copy of another): such a control
 * removes nothing more, so a constant learning rate is simply ignored.
 *
 * @example
 * ```ts
 * import { residualsOn } from "./correlation.ts";
 * // On a two-group indicator: each group's mean is removed.
 * const r = residualsOn([1, 3, 2, 6], [[0, 0, 1, 1]]);
 * if (r.some((v, i) => Math.abs(v - [-1, 1, -2, 2][i]) > 1e-12)) throw new Error(`${r}`);
 * ```
 */
export function residualsOn(
  y: readonly number[],
  controls: readonly (readonly number[])[],
): number[] {
  const n = y.length;
  const basis: number[][] = [];
  for (const column of [new Array<number>(n).fill(1), ...controls]) {
    if (column.length !== n) throw new Error(`control of length ${column.length}, series ${n}`);
    const v = [...column];
    const norm0 = Math.hypot(...v);
    for (const q of basis) {
      const dot = q.reduce((s, qi, i) => s + qi * v[i], 0);
      for (let i = 0; i < n; i++) v[i] -= dot * q[i];
    }
    const norm = Math.hypot(...v);
    if (norm <= 1e-10 * norm0 || norm === 0) continue;
    basis.push(v.map((vi) => vi / norm));
  }
  const r = [...y];
  for (const q of basis) {
    const dot = q.reduce((s, qi, i) => s + qi * r[i], 0);
    for (let i = 0; i < n; i++) r[i] -= dot * q[i];
  }
  return r;
}

/**
 * The partial correlation of `x` and `y` given `controls`: Pearson's correlation of their
 * residuals after least squares on an intercept and the controls ({@link residualsOn}). It
 * answers "do `x` and `y` move together beyond what both share with the controls" (for the
 * mechanism test: beyond the training loss and the learning rate, which both trend over
 * training). NaN where {@link pearson} is, and where the controls explain either series
 * entirely (all but 1e-20 of its variance).
 *
 * @example
 * ```ts
 * import { partialCorrelation } from "./correlation.ts";
 * // Raw correlation -1/7; within the two groups of z the residuals are [-1, 1, -2, 2] and
 * // [-1, 1, 2, -2]: dot -6, squared norms 10, so -0.6.
 * const r = partialCorrelation([1, 3, 2, 6], [1, 3, 6, 2], [[0, 0, 1, 1]]);
 * if (Math.abs(r - -0.6) > 1e-12) throw new Error(`got ${r}`);
 * ```
 */
export function partialCorrelation(
  x: readonly number[],
  y: readonly number[],
  controls: readonly (readonly number[])[],
): number {
  const rx = residualsOn(x, controls);
  const ry = residualsOn(y, controls);
  // A series the controls explain entirely leaves rounding noise, which must not correlate.
  const centredSquares = (v: readonly number[]) => {
    const m = v.reduce((s, e) => s + e, 0) / v.length;
    return v.reduce((s, e) => s + (e - m) ** 2, 0);
  };
  const explained = (original: readonly number[], residual: readonly number[]) =>
    centredSquares(residual) <= 1e-20 * centredSquares(original);
  return explained(x, rx) || explained(y, ry) ? NaN : pearson(rx, ry);
}

/**
 * `xs[i + 1] - xs[i]`: a series without its level, so that a correlation of two differenced
 * series reads how their step-to-step changes go together, not a trend both share.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { firstDifferences } from "./correlation.ts";
 * assertEquals(firstDifferences([1, 3, 2, 6]), [2, -1, 4]);
 * ```
 */
export function firstDifferences(xs: readonly number[]): number[] {
  return xs.slice(1).map((v, i) => v - xs[i]);
}

/**
 * Least squares of `y` on an intercept and `columns` (each as long as `y`): the coefficients,
 * intercept first. QR by modified Gram-Schmidt; a column the ones before it already span (a
 * constant, a copy) gets coefficient 0, so the fit is the same as without it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { leastSquares } from "./correlation.ts";
 * // y = 1 + 2 x exactly; the constant column is dropped (coefficient 0).
 * const b = leastSquares([[0, 1, 2, 3], [7, 7, 7, 7]], [1, 3, 5, 7]);
 * assertEquals(b.map((v) => Math.round(v * 1e9) / 1e9), [1, 2, 0]);
 * ```
 */
export function leastSquares(
  columns: readonly (readonly number[])[],
  y: readonly number[],
): number[] {
  const n = y.length;
  const all = [new Array<number>(n).fill(1), ...columns];
  const q: number[][] = [];
  const kept: number[] = [];
  // r[k][j]: the component of column j along basis vector k (k < j in the kept order).
  const r: number[][] = [];
  all.forEach((column, j) => {
    if (column.length !== n) throw new Error(`column of length ${column.length}, y ${n}`);
    const v = [...column];
    const norm0 = Math.hypot(...v);
    const along = q.map((qk) => {
      const dot = qk.reduce((s, qi, i) => s + qi * v[i], 0);
      for (let i = 0; i < n; i++) v[i] -= dot * qk[i];
      return dot;
    });
    const norm = Math.hypot(...v);
    if (norm === 0 || norm <= 1e-10 * norm0) return;
    r.push([...along, norm]);
    q.push(v.map((vi) => vi / norm));
    kept.push(j);
  });
  // Solve R b = Q^T y by back-substitution.
  const qty = q.map((qk) => qk.reduce((s, qi, i) => s + qi * y[i], 0));
  const b = new Array<number>(kept.length).fill(0);
  for (let k = kept.length - 1; k >= 0; k--) {
    let s = qty[k];
    for (let m = k + 1; m < kept.length; m++) s -= r[m][k] * b[m];
    b[k] = s / r[k][k];
  }
  const out = new Array<number>(all.length).fill(0);
  kept.forEach((j, k) => out[j] = b[k]);
  return out;
}
