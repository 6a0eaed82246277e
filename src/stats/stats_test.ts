import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  holmAdjust,
  oneSidedTTestPValue,
  sampleSd,
  studentTCdf,
  studentTQuantile,
  tInterval,
  tostPValue,
  tTestPValue,
} from "./stats.ts";

Deno.test("studentTQuantile matches published t tables", () => {
  // Two-sided 95% critical values (any statistics table) and a Bonferroni-sized tail.
  const table: [number, number, number][] = [
    [0.975, 1, 12.706],
    [0.975, 4, 2.776],
    [0.975, 9, 2.262],
    [0.975, 30, 2.042],
    [0.995, 8, 3.355],
    [0.9995, 8, 5.041],
  ];
  for (const [p, df, want] of table) {
    const got = studentTQuantile(p, df);
    assert(Math.abs(got - want) < 1e-3, `t(${p}, ${df}) = ${got}, table ${want}`);
  }
  assert(Math.abs(studentTCdf(0, 5) - 0.5) < 1e-12);
  assert(Math.abs(studentTQuantile(0.025, 4) + 2.776445) < 1e-5);
});

Deno.test("tInterval: mean +- t * sd / sqrt(n), undefined below two values", () => {
  const xs = [1, 2, 3, 4, 5];
  const i = tInterval(xs);
  assertEquals(i.n, 5);
  assertEquals(i.mean, 3);
  assert(Math.abs(i.sd - Math.sqrt(2.5)) < 1e-12);
  const half = 2.776445 * Math.sqrt(2.5) / Math.sqrt(5);
  assert(Math.abs(i.low - (3 - half)) < 1e-5 && Math.abs(i.high - (3 + half)) < 1e-5);
  const one = tInterval([0.5]);
  assert(Number.isNaN(one.low) && Number.isNaN(sampleSd([0.5])));
});

Deno.test("tTestPValue is the two-sided one-sample t-test", () => {
  // Reference values: scipy.stats.ttest_1samp(xs, 0).pvalue.
  const cases: [number[], number][] = [
    [[1, 2, 3], 0.07417990022744854],
    [[0.01, 0.02, 0.03, -0.005], 0.16273310982429354],
    [[-0.3, -0.1, -0.2, -0.25, -0.15], 0.00481267833004422],
  ];
  for (const [xs, p] of cases) assert(Math.abs(tTestPValue(xs) - p) < 1e-9, `${xs}: ${p}`);
  assertEquals(tTestPValue([0.5]), NaN);
  assertEquals(tTestPValue([0, 0, 0]), 1);
  assertEquals(tTestPValue([0.02, 0.02, 0.02]), 0);
});

Deno.test("holmAdjust steps down, stays monotone, caps at 1 and counts a NaN in the family", () => {
  // Sorted 0.01, 0.02, 0.03, 0.5 -> 4 * 0.01, max(0.04, 3 * 0.02), max(0.06, 2 * 0.03), 0.5.
  const got = holmAdjust([0.5, 0.03, 0.01, 0.02]).map((p) => Number(p.toFixed(9)));
  assertEquals(got, [0.5, 0.06, 0.04, 0.06]);
  // m = 3 with the NaN: 3 * 0.01; 2 * 0.4 = 0.8.
  const withNaN = holmAdjust([0.4, NaN, 0.01]).map((p) => Number(p.toFixed(9)));
  assertEquals(withNaN, [0.8, NaN, 0.03]);
  assertEquals(holmAdjust([0.6, 0.7]), [1, 1]);
  assertEquals(holmAdjust([]), []);
});

Deno.test("oneSidedTTestPValue and tostPValue match scipy's one-sided t-tests", () => {
  // Reference values: scipy.stats.ttest_1samp(xs, -margin, alternative="greater").pvalue,
  // ttest_1samp(xs, margin, alternative="less").pvalue, and their maximum (scipy 1.17.1).
  const cases: [number[], number, number, number][] = [
    [[0.001, -0.002, 0.003, 0.0005, -0.001], 0.005, 0.0017612165757044727, 0.002728559978774281],
    [[0.004, 0.006, 0.002, 0.005, 0.003], 0.005, 0.00010975570960299359, 0.11509982054024945],
    [[0.01, 0.02, 0.03, -0.005], 0.01, 0.025019521239927633, 0.6750055229269776],
    [[-0.3, -0.1, -0.2, -0.25, -0.15], 0.005, 0.997362745435302, 0.002199712301378259],
  ];
  for (const [xs, margin, greater, less] of cases) {
    const g = oneSidedTTestPValue(xs, -margin, "greater");
    const l = oneSidedTTestPValue(xs, margin, "less");
    // Relative error measured at most 8.4e-15; the tolerance leaves room for other libms.
    assert(Math.abs(g - greater) < 1e-12 * greater, `${xs} greater: ${g}`);
    assert(Math.abs(l - less) < 1e-12 * less, `${xs} less: ${l}`);
    assertEquals(tostPValue(xs, margin), Math.max(g, l));
  }
  // The two sides of one test add to 1.
  const xs = [0.01, 0.02, 0.03, -0.005];
  assert(
    Math.abs(oneSidedTTestPValue(xs, 0, "greater") + oneSidedTTestPValue(xs, 0, "less") - 1) <
      1e-12,
  );
  // Fewer than 2 values: no test; no spread: decided by the side the mean is on.
  assertEquals(tostPValue([0.001], 0.005), NaN);
  assertEquals(oneSidedTTestPValue([0.02, 0.02], 0, "greater"), 0);
  assertEquals(oneSidedTTestPValue([0.02, 0.02], 0, "less"), 1);
  assertEquals(oneSidedTTestPValue([0, 0], 0, "less"), 1);
  assertEquals(tostPValue([0.001, 0.001, 0.001], 0.005), 0);
  assert.throws(() => tostPValue(xs, 0), /margin must be > 0, got 0/);
});

Deno.test("TOST at alpha is equivalent exactly when the 1 - 2 alpha interval lies inside the margin", () => {
  const alpha = 0.05;
  const margin = 0.005;
  // Paired differences that move from well inside the margin to across it, with spreads
  // from tight to wide: each case is decided the same way by the p-value and the interval.
  let inside = 0;
  let outside = 0;
  for (const shift of [-0.006, -0.004, -0.002, 0, 0.001, 0.003, 0.0045, 0.006]) {
    for (const spread of [0.0005, 0.002, 0.004]) {
      const xs = [-1, 0.4, 1.3, -0.6, -0.1].map((z) => shift + spread * z);
      const ci = tInterval(xs, 1 - 2 * alpha);
      const within = ci.low > -margin && ci.high < margin;
      assertEquals(tostPValue(xs, margin) < alpha, within, `shift ${shift}, spread ${spread}`);
      if (within) inside++;
      else outside++;
    }
  }
  // Both outcomes occur, so the check compares something.
  assert(inside >= 3 && outside >= 3, `${inside} inside, ${outside} outside`);
});
