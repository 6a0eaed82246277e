import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { checkClaims, checkThresholds, parseThresholds } from "./gate.ts";
import type { CellSummary } from "./select.ts";
import type { MethodName } from "./types.ts";

const cell = (
  method: MethodName,
  batchSize: number,
  accs: number[],
  diverged = 0,
): CellSummary => ({
  method,
  batchSize,
  depth: 2,
  baseLr: 0.1,
  scaledLr: 0.1,
  accuracies: accs,
  median: accs.reduce((a, b) => a + b) / accs.length,
  spread: Math.max(...accs) - Math.min(...accs),
  diverged,
  errors: 0,
  allErrors: false,
  runs: 3,
  lossSpikes: 0,
  maxGradNorm: 1,
});

Deno.test("checkThresholds names each failing cell with the measured value and the floor", () => {
  const cells = [cell("lalc", 32, [0.8]), cell("lars", 32, [0.6], 2)];
  const t = {
    derivation: "test",
    maxDivergedTotal: 1,
    cells: [
      { method: "lalc" as const, batchSize: 32, depth: 2, minAccuracy: 0.75, maxDiverged: 0 },
      { method: "lars" as const, batchSize: 32, depth: 2, minAccuracy: 0.7, maxDiverged: 1 },
      { method: "lamb" as const, batchSize: 32, depth: 2, minAccuracy: 0.7, maxDiverged: 1 },
    ],
  };
  const failures = checkThresholds(cells, t).map((f) => `${f.cell}: ${f.message}`);
  assertEquals(failures, [
    "lars batch 32 depth 2: median test accuracy 0.6000 < floor 0.7000",
    "lars batch 32 depth 2: 2 diverged runs > allowed 1",
    "lamb batch 32 depth 2: no finished run in the results",
    "grid: 2 diverged runs in all > allowed 1",
  ]);
  assertEquals(checkThresholds([cell("lalc", 32, [0.8])], { ...t, cells: [t.cells[0]] }), []);
});

Deno.test("checkClaims reports the large- and small-batch claims per depth", () => {
  const claims = checkClaims([
    cell("lalc", 32, [0.80]),
    cell("warmup", 32, [0.805]),
    cell("lalc", 512, [0.70]),
    cell("lars", 512, [0.72]),
    cell("lamb", 512, [0.6]),
  ]);
  assertEquals(claims.map((c) => c.pass), [false, true]);
  assert(claims[0].detail.includes("best rival lars 0.7200"));
});

Deno.test("parseThresholds rejects a malformed file with the field named", () => {
  throws(() => parseThresholds({}), /"presets" object/);
  throws(
    () =>
      parseThresholds({
        presets: {
          smoke: {
            derivation: "x",
            maxDivergedTotal: 0,
            cells: [{ minAccuracy: 2, maxDiverged: 0 }],
          },
        },
      }),
    /presets\.smoke\.cells\[0\]\.minAccuracy must be in \[0, 1\], got 2/,
  );
});
