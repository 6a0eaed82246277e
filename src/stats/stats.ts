/**
 * The statistics of the benchmark: means, sample standard deviations and Student-t
 * confidence intervals over held-out seeds, the Student-t quantile they need, paired t-tests
 * (two-sided, one-sided, and the two one-sided tests of equivalence) and Holm's adjustment.
 *
 * @module
 */

/** Mean of `xs` (NaN when empty). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation of `xs` (divisor n - 1; NaN with fewer than 2 values). */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? front * betaContinuedFraction(a, b, x) / a
    : 1 - front * betaContinuedFraction(b, a, 1 - x) / b;
}

/**
 * P(T <= t) for Student's t with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import { studentTCdf } from "./stats.ts";
 * assert(Math.abs(studentTCdf(2.776445, 4) - 0.975) < 1e-6);
 * assertEquals(studentTCdf(0, 4), 0.5); // symmetric about 0
 * ```
 */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The `p` quantile of Student's t with `df` degrees of freedom (bisection on the CDF, to
 * 1e-10).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { studentTQuantile } from "./stats.ts";
 * assertEquals(studentTQuantile(0.975, 4).toFixed(3), "2.776");
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new Error(`studentTQuantile: p must be in (0, 1) and df > 0, got p ${p}, df ${df}`);
  }
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  while (hi - lo > 1e-10) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A mean with its two-sided Student-t confidence interval. */
export interface Interval {
  /** Number of values. */
  readonly n: number;
  /** Their mean. */
  readonly mean: number;
  /** Their sample standard deviation (NaN with fewer than 2). */
  readonly sd: number;
  /** Lower end of the interval (NaN with fewer than 2 values). */
  readonly low: number;
  /** Upper end of the interval. */
  readonly high: number;
}

/**
 * The mean of `xs` with its two-sided `level` Student-t interval,
 * `mean +- t(1 - (1 - level) / 2, n - 1) * sd / sqrt(n)`: the interval for the mean of
 * independent, roughly normal values (accuracies over held-out seeds, or their paired
 * differences).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { tInterval } from "./stats.ts";
 * const i = tInterval([0.80, 0.82, 0.81, 0.83, 0.79]);
 * const shown = [i.mean.toFixed(3), i.low.toFixed(4), i.high.toFixed(4)];
 * assertEquals(shown, ["0.810", "0.7904", "0.8296"]);
 * ```
 */
export function tInterval(xs: readonly number[], level = 0.95): Interval {
  const n = xs.length;
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (n < 2) return { n, mean: m, sd, low: NaN, high: NaN };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * sd / Math.sqrt(n);
  return { n, mean: m, sd, low: m - half, high: m + half };
}

/**
 * The two-sided Student-t p-value of "the mean of `xs` is 0" (for paired differences: the
 * paired t-test), `2 * P(T >= |mean| / (sd / sqrt(n)))` with `n - 1` degrees of freedom.
 * NaN with fewer than 2 values; 1 when every value is 0 (no difference, no spread), 0 when
 * the values agree exactly on a nonzero mean.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { tTestPValue } from "./stats.ts";
 * // mean 2, sd 1, n 3: t = 2 * sqrt(3), 2 degrees of freedom
 * assertEquals(tTestPValue([1, 2, 3]).toFixed(4), "0.0742");
 * assertEquals(tTestPValue([0, 0, 0]), 1);
 * ```
 */
export function tTestPValue(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (m === 0) return 1;
  const t = Math.abs(m) / (sd / Math.sqrt(n));
  return Math.min(1, 2 * (1 - studentTCdf(t, n - 1)));
}

/** Which side a one-sided test's alternative lies on: the mean is `greater` than the null
 * value, or `less`. */
export type Alternative = "greater" | "less";

/**
 * The one-sided Student-t p-value of the mean of `xs` against `mu0`: with
 * `t = (mean - mu0) / (sd / sqrt(n))` and `n - 1` degrees of freedom, `P(T >= t)` for the
 * alternative `greater` (the mean is above `mu0`) and `P(T <= t)` for `less`. For paired
 * differences this is the one-sided paired t-test. NaN with fewer than 2 values; with no
 * spread, 0 when the mean lies on the alternative's side and 1 otherwise (including a mean
 * exactly at `mu0`: no evidence either way).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { oneSidedTTestPValue } from "./stats.ts";
 * // mean 2, sd 1, n 3 against 0: half the two-sided 0.0742
 * assertEquals(oneSidedTTestPValue([1, 2, 3], 0, "greater").toFixed(4), "0.0371");
 * assertEquals(oneSidedTTestPValue([1, 2, 3], 0, "less").toFixed(4), "0.9629");
 * ```
 */
export function oneSidedTTestPValue(
  xs: readonly number[],
  mu0: number,
  alternative: Alternative,
): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const diff = mean(xs) - mu0;
  const sd = sampleSd(xs);
  if (sd === 0) {
    if (diff === 0) return 1;
    return (diff > 0) === (alternative === "greater") ? 0 : 1;
  }
  const t = diff / (sd / Math.sqrt(n));
  // P(T >= t) = P(T <= -t): the CDF's lower tail is computed directly, so a small p-value
  // keeps its digits (1 - CDF would round it away).
  return studentTCdf(alternative === "greater" ? -t : t, n - 1);
}

/**
 * The p-value of the two one-sided tests (TOST) that the mean of `xs` lies within
 * `(-margin, +margin)`: the larger of the one-sided p-values of "the mean is above
 * `-margin`" and "the mean is below `+margin`". Below `alpha` exactly when the two-sided
 * `1 - 2 * alpha` Student-t interval of the mean lies inside the margin. NaN with fewer
 * than 2 values.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { tostPValue } from "./stats.ts";
 * // Paired differences within 0.3 points of 0, margin 0.5 points: equivalent at 5%.
 * const p = tostPValue([0.001, -0.002, 0.003, 0.0005, -0.001], 0.005);
 * assertEquals(p.toFixed(5), "0.00273");
 * ```
 */
export function tostPValue(xs: readonly number[], margin: number): number {
  if (!(margin > 0)) throw new Error(`tostPValue: margin must be > 0, got ${margin}`);
  return Math.max(
    oneSidedTTestPValue(xs, -margin, "greater"),
    oneSidedTTestPValue(xs, margin, "less"),
  );
}

/**
 * Holm's step-down adjustment of the p-values `ps` of one family, in their order: sorted
 * ascending, the i-th (from 1) becomes `max over j <= i of min(1, (m - j + 1) * p_(j))`.
 * Rejecting where the adjusted value is below `alpha` keeps the family-wise error rate at
 * `alpha` under any dependence. A NaN p-value (no test) counts in the family size `m` as
 * if it were 1, and stays NaN.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { holmAdjust } from "./stats.ts";
 * assertEquals(holmAdjust([0.03, 0.01, 0.04]).map((p) => Number(p.toFixed(6))), [0.06, 0.03, 0.06]);
 * ```
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const m = ps.length;
  const key = (p: number) => (Number.isNaN(p) ? 1 : p);
  const order = ps.map((_, i) => i).sort((a, b) => key(ps[a]) - key(ps[b]) || a - b);
  const out = new Array<number>(m).fill(NaN);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * key(ps[i])));
    if (!Number.isNaN(ps[i])) out[i] = running;
  });
  return out;
}
