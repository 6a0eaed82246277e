import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  holmAdjust,
  sampleSd,
  studentTCdf,
  studentTQuantile,
  tInterval,
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
