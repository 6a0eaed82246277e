import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { claimRows, testsEquivalence } from "./claims.ts";
import { comparedPairs } from "./comparisons.ts";
import { claimsCsv } from "./tables.ts";
import { claimsTable } from "./summary.ts";
import { holmAdjust, tostPValue, tTestPValue } from "../stats/stats.ts";

const cell = (method: string, batchSize: number, depth: number, accuracies: number[]) => ({
  method,
  batchSize,
  depth,
  seeds: accuracies.map((_, i) => i + 2),
  accuracies,
});
const BASE = [0.70, 0.72, 0.71, 0.69, 0.73];
const plus = (d: number) => BASE.map((x) => x + d);

/** An ablation-like set of cells: two batch sizes at depth 16, LALC 2 points above its
 * no-floor variant everywhere, and LARS noisy around the variant. */
const CELLS = [128, 2048].flatMap((b) => [
  cell("lalc", b, 16, plus(0.02)),
  cell("lalc-nofloor", b, 16, BASE),
  cell("lars-k0.02", b, 16, [0.71, 0.70, 0.73, 0.68, 0.72]),
  // The paper's baselines, so the paper's claims would have rows too.
  cell("lars", b, 16, BASE),
  cell("linear-scaling", b, 16, plus(-0.1)),
]);

Deno.test("declared comparisons give exactly their rows: name, baseline, method, cells picked by batch", () => {
  const rows = claimRows(CELLS, {
    comparisons: [
      { name: "floor", a: "lalc", b: "lalc-nofloor" },
      { name: "clip-vs-lars", a: "lalc-nofloor", b: "lars-k0.02", batch: "largest" },
      { name: "missing", a: "lalc", b: "lamb" }, // no lamb cell: no row
    ],
  });
  assertEquals(
    rows.map((r) => [r.claim, r.method, r.baseline, r.batchSize, r.depth, r.nPairs, r.verdict]),
    [
      ["floor", "lalc", "lalc-nofloor", 128, 16, 5, "supported"],
      ["floor", "lalc", "lalc-nofloor", 2048, 16, 5, "supported"],
      ["clip-vs-lars", "lalc-nofloor", "lars-k0.02", 2048, 16, 5, "inconclusive"],
    ],
  );
  assert(Math.abs(rows[0].meanDiff - 0.02) < 1e-12);
  // One Holm family over the declared rows, as over the paper's claims.
  const diffs = (a: number[], b: number[]) => a.map((x, i) => x - b[i]);
  const p = [
    tTestPValue(diffs(plus(0.02), BASE)),
    tTestPValue(diffs(plus(0.02), BASE)),
    tTestPValue(diffs(BASE, [0.71, 0.70, 0.73, 0.68, 0.72])),
  ];
  assertEquals(rows.map((r) => r.pHolm), holmAdjust(p));
});

Deno.test("without comparisons the rows are the paper's claims, LALC first", () => {
  const rows = claimRows(CELLS);
  assertEquals(rows.map((r) => `${r.claim} ${r.method} ${r.baseline} ${r.batchSize}`), [
    "large-batch lalc lars 2048",
    "large-batch lalc linear-scaling 2048",
    "small-batch-vs-no-warmup lalc linear-scaling 128",
  ]);
  assertEquals(claimRows(CELLS, { comparisons: undefined }), rows);
});

Deno.test("claims.csv keeps its columns for declared comparisons; the printed table adds A", () => {
  const rows = claimRows(CELLS, {
    comparisons: [{ name: "clip", a: "lalc-nofloor", b: "lars-k0.02" }],
  });
  const csv = claimsCsv(rows).split("\n");
  assertEquals(
    csv[0],
    "claim,depth,batch_size,baseline,n_pairs,mean_diff,ci_low,ci_high,p_value,p_holm," +
      "bonferroni_ci_low,bonferroni_ci_high,verdict",
  );
  assert(csv[1].startsWith("clip,16,128,lars-k0.02,5,"), csv[1]);
  const table = claimsTable(rows);
  assert(table.startsWith("claims: A minus baseline"), table);
  assert(/ A +baseline /.test(table) && /lalc-nofloor +lars-k0.02/.test(table), table);
  // The paper's claims print as before: no A column.
  assert(claimsTable(claimRows(CELLS)).startsWith("claims: LALC minus baseline"));
  assert(!/ A +baseline /.test(claimsTable(claimRows(CELLS))));
});

Deno.test("comparedPairs: batch all, largest, smallest or one size; depth all or one", () => {
  const pairs = (batch: "all" | "largest" | "smallest" | number, depth?: number) =>
    comparedPairs([{ name: "c", a: "x", b: "y", batch, depth }], [32, 512, 2048], [2, 8]).map((
      p,
    ) => `${p.depth}/${p.batchSize}`);
  assertEquals(pairs("all"), ["2/32", "2/512", "2/2048", "8/32", "8/512", "8/2048"]);
  assertEquals(pairs("largest"), ["2/2048", "8/2048"]);
  assertEquals(pairs("smallest", 8), ["8/32"]);
  assertEquals(pairs(512), ["2/512", "8/512"]);
  // A batch size that did not run (an unfinished grid) has no pair.
  assertEquals(pairs(4096), []);
});

Deno.test("a comparison with equivalence is also tested by TOST, in the same Holm family", () => {
  // lars-k0.02 within 2 points of lalc-nofloor either side: equivalent within +-3 points,
  // not within +-0.5.
  const comparisons = [
    { name: "floor", a: "lalc", b: "lalc-nofloor" },
    {
      name: "clip",
      a: "lalc-nofloor",
      b: "lars-k0.02",
      batch: "largest" as const,
      equivalence: true,
    },
  ];
  const diffs = BASE.map((x, i) => x - [0.71, 0.70, 0.73, 0.68, 0.72][i]);
  for (const [margin, verdict] of [[0.03, "equivalent"], [0.005, "inconclusive"]] as const) {
    const options = { comparisons, equivalenceMargin: margin };
    assertEquals(testsEquivalence(options), true);
    const rows = claimRows(CELLS, options);
    assertEquals(rows.map((r) => [r.claim, r.batchSize, r.margin, r.verdict]), [
      ["floor", 128, NaN, "supported"],
      ["floor", 2048, NaN, "supported"],
      ["clip", 2048, margin, verdict],
    ]);
    // Four tests in one family: three differences, then the one TOST.
    const family = holmAdjust([
      ...rows.map((r) => r.pValue),
      tostPValue(diffs, margin),
    ]);
    assertEquals(rows.map((r) => r.pHolm), family.slice(0, 3));
    assertEquals([rows[2].pTost, rows[2].pTostHolm], [tostPValue(diffs, margin), family[3]]);
    assert(rows.slice(0, 2).every((r) => Number.isNaN(r.pTost) && Number.isNaN(r.pTostHolm)));
    const csv = claimsCsv(rows, options).split("\n");
    assert(csv[0].endsWith(",margin,p_tost,p_tost_holm,verdict"), csv[0]);
    assert(/^floor,.*,,,,supported$/.test(csv[1]), csv[1]);
    const table = claimsTable(rows);
    assert(table.includes("over these 4 tests (3 claims, 1 TOST)"), table);
    assert(/ A +baseline .* TOST Holm p +verdict/.test(table), table);
  }
  // Without a margin nothing is tested for equivalence (a grid file refuses the pair), and
  // the rows are those of the comparisons without it.
  const noMargin = claimRows(CELLS, { comparisons });
  assertEquals(testsEquivalence({ comparisons }), false);
  assert(noMargin.every((r) => Number.isNaN(r.margin) && r.verdict !== "equivalent"));
  const without = claimRows(CELLS, {
    comparisons: comparisons.map(({ equivalence: _, ...c }) => c),
    equivalenceMargin: 0.03,
  });
  assertEquals(without, noMargin);
});
