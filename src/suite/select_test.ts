import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsv } from "../output/csv.ts";
import type { RunRow } from "./schema.ts";
import { bestLrIndex, summarizeCells } from "./select.ts";
import { tuningChoiceLine } from "./summary.ts";
import { SUMMARY_COLUMNS, SUMMARY_TUNING_COLUMNS, summaryCsv } from "./tables.ts";
import type { MethodName } from "./types.ts";

/**
 * One finished cell tuned on `tuning` seeds over rate indices 0-4 with validation accuracy
 * `val(lrIndex, seed)`, and held-out seeds 4-8 at `heldAt`. Tuning runs score 0.99 on the
 * test set, held-out runs 0.8 + seed / 1000, so a tuning run that leaked into the statistics
 * would show.
 */
function cell(
  method: MethodName,
  tuning: readonly number[],
  val: (lrIndex: number, seed: number) => number,
  heldAt: number,
): RunRow[] {
  const base = { method, batchSize: 32, depth: 2, status: "ok", valSamples: 667 } as const;
  const rows: RunRow[] = [];
  for (let i = 0; i < 5; i++) {
    for (const seed of tuning) {
      rows.push({
        ...base,
        runId: `${method}t${i}s${seed}`,
        phase: "tune",
        lrIndex: i,
        baseLr: 0.1 * 2 ** i,
        seed,
        valAccuracy: val(i, seed),
        finalTestAccuracy: 0.99,
        search: "grid",
      } as RunRow);
    }
  }
  for (let seed = 4; seed <= 8; seed++) {
    rows.push({
      ...base,
      runId: `${method}h${seed}`,
      phase: "seed",
      lrIndex: heldAt,
      baseLr: 0.1 * 2 ** heldAt,
      seed,
      valAccuracy: 0.8,
      finalTestAccuracy: 0.8 + seed / 1000,
      search: "interior",
    } as RunRow);
  }
  return rows;
}

// Seed 1 alone peaks at index 1, seeds 2 and 3 at index 3: their mean peaks at index 2
// (0.7567, 0.7633, 0.7667, 0.7633, 0.7567 for indices 0-4).
const peaks: Record<number, number> = { 1: 1, 2: 3, 3: 3 };
const disagreeing = (i: number, seed: number) => 0.8 - 0.01 * (i - peaks[seed]) ** 2;

Deno.test("the rate is chosen on the mean of the tuning seeds; only held-out seeds are scored", () => {
  const rows = cell("lalc", [1, 2, 3], disagreeing, 2);
  const [c] = summarizeCells(rows);
  assertEquals([c.lrIndex, c.tuningSeeds, c.firstSeedLrIndex], [2, 3, 1]);
  // The chosen rate's validation accuracy is the mean over its 3 tuning runs.
  assert(Math.abs(c.valAccuracy - (0.79 + 0.79 + 0.79) / 3) < 1e-12, `${c.valAccuracy}`);
  // Seeds 1-3 tuned, 4-8 are the held-out seeds and all the statistics see.
  assertEquals(c.seeds, [4, 5, 6, 7, 8]);
  assertEquals(c.n, 5);
  assert(Math.abs(c.mean - 0.806) < 1e-12, `${c.mean}`);
  // Seed 1's own choice is its argmax alone; another first seed gives its own.
  assertEquals(bestLrIndex(rows.filter((r) => r.seed === 1)), 1);
  assertEquals(summarizeCells(rows, { firstTuningSeed: 2 })[0].firstSeedLrIndex, 3);
});

Deno.test("a rate where one tuning seed diverged scores worst in the mean", () => {
  // Seed 3 diverges at index 2, the best rate of the other two: the mean picks 1
  // (tied with 3, the smaller rate wins).
  const val = (
    i: number,
    seed: number,
  ) => (seed === 3 && i === 2 ? NaN : 0.8 - 0.01 * (i - 2) ** 2);
  const rows = cell("lars", [1, 2, 3], val, 1).map((r) =>
    Number.isNaN(r.valAccuracy) ? { ...r, status: "diverged" as const } : r
  );
  const [c] = summarizeCells(rows);
  assertEquals([c.lrIndex, c.firstSeedLrIndex, c.diverged], [1, 2, 1]);
});

Deno.test("summary.csv gains the tuning columns only where seeds were averaged", () => {
  const agreeing = (i: number) => 0.8 - 0.01 * (i - 2) ** 2;
  const averaged = summarizeCells([
    ...cell("lalc", [1, 2, 3], disagreeing, 2),
    ...cell("lamb", [1, 2, 3], agreeing, 2),
  ]);
  const records = parseCsv(summaryCsv(averaged));
  assertEquals(
    records.map((r) => [r.method, r.lr_index, r.tuning_seeds, r.first_seed_lr_index]),
    [["lalc", "2", "3", "1"], ["lamb", "2", "3", "2"]],
  );
  assertEquals(
    tuningChoiceLine(averaged),
    "tuning: each rate scored by the mean validation accuracy of 3 seeds; the choice " +
      "changed in 1 of 2 cells against the first seed alone over the same rates " +
      "(summary.csv: first_seed_lr_index; rate indices first seed -> mean): lalc b32 d2 (1 -> 2)",
  );
  // One tuning seed: the columns and the line of every folder before k seeds.
  const single = summarizeCells(cell("lalc", [1], agreeing, 2));
  assertEquals(single[0].tuningSeeds, 1);
  assertEquals(single[0].firstSeedLrIndex, single[0].lrIndex);
  assertEquals(summaryCsv(single).split("\n")[0], SUMMARY_COLUMNS.join(","));
  assertEquals(
    summaryCsv(averaged).split("\n")[0],
    [...SUMMARY_COLUMNS, ...SUMMARY_TUNING_COLUMNS].join(","),
  );
  assertEquals(tuningChoiceLine(single), "");
});
