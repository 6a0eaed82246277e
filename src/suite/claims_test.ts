import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { claimRows, verdictOf } from "./claims.ts";
import type { MethodName } from "./types.ts";

const cell = (method: MethodName, batchSize: number, depth: number, accuracies: number[]) => ({
  method,
  batchSize,
  depth,
  seeds: accuracies.map((_, i) => i + 2),
  accuracies,
});

Deno.test("claims pair LALC with each baseline by seed and give a verdict from the interval", () => {
  const base = [0.70, 0.72, 0.71, 0.69, 0.73];
  const rows = claimRows([
    // Large batch: LALC 2 points above LARS on every seed; equal to LAMB on average but
    // noisy; below linear scaling on every seed.
    cell("lalc", 512, 2, base.map((x) => x + 0.02)),
    cell("lars", 512, 2, base),
    cell("lamb", 512, 2, [0.73, 0.71, 0.74, 0.70, 0.72]),
    cell("linear-scaling", 512, 2, base.map((x) => x + 0.05)),
    cell("lalc", 32, 2, base),
    cell("warmup", 32, 2, base.map((x) => x + 0.001 * (x > 0.71 ? 1 : -1))),
    cell("linear-scaling", 32, 2, base.map((x) => x - 0.1)),
  ]);
  const got = rows.map((r) => [r.claim, r.batchSize, r.baseline, r.nPairs, r.verdict]);
  assertEquals(got, [
    ["large-batch", 512, "lars", 5, "supported"],
    ["large-batch", 512, "lamb", 5, "inconclusive"],
    ["large-batch", 512, "linear-scaling", 5, "contradicted"],
    ["small-batch-vs-warmup", 32, "warmup", 5, "inconclusive"],
    ["small-batch-vs-no-warmup", 32, "linear-scaling", 5, "supported"],
  ]);
  const lars = rows[0];
  assert(Math.abs(lars.meanDiff - 0.02) < 1e-12);
  // Identical differences: zero-width interval at the difference.
  assert(Math.abs(lars.ciLow - 0.02) < 1e-9 && Math.abs(lars.ciHigh - 0.02) < 1e-9);
});

Deno.test("only seeds both cells ran are paired; fewer than 2 pairs is inconclusive", () => {
  const lalc = { ...cell("lalc", 512, 2, [0.8, 0.9]), seeds: [2, 3] };
  const lars = { ...cell("lars", 512, 2, [0.1, 0.2]), seeds: [3, 4] };
  const [row] = claimRows([lalc, lars]);
  assertEquals(row.nPairs, 1);
  assert(Math.abs(row.meanDiff - 0.8) < 1e-12);
  assertEquals(row.verdict, "inconclusive");
  assertEquals(verdictOf(NaN, NaN), "inconclusive");
  assertEquals(verdictOf(-0.02, -0.01), "contradicted");
});
