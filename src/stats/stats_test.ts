import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { sampleSd, studentTCdf, studentTQuantile, tInterval } from "./stats.ts";

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
