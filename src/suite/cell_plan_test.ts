import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { MAX_EXTENSIONS, nextCellRuns } from "./cell_plan.ts";
import { SMOKE } from "./presets.ts";
import type { RunRow } from "./schema.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

const grid: GridSpec = { ...SMOKE, name: "plan-test" };
const cell = { method: "warmup", batchSize: 32, depth: 2 } as const;

/** Runs the cell's procedure to the end with `score(lrIndex, seed)` as validation accuracy
 * (NaN: diverged); returns every batch of runs the plan handed out. */
async function drive(
  score: (lrIndex: number, seed: number) => number,
  on: GridSpec = grid,
): Promise<PlannedRun[][]> {
  const finished = new Map<string, RunRow>();
  const batches: PlannedRun[][] = [];
  for (let i = 0; i < 50; i++) {
    const next = await nextCellRuns(on, cell, finished);
    if (next.length === 0) return batches;
    batches.push(next);
    for (const r of next) {
      const v = score(r.lrIndex, r.seed);
      finished.set(r.runId, {
        runId: r.runId,
        method: r.method,
        batchSize: r.batchSize,
        depth: r.depth,
        seed: r.seed,
        lrIndex: r.lrIndex,
        baseLr: r.baseLr,
        phase: r.phase,
        search: r.search ?? "",
        status: Number.isNaN(v) ? "diverged" : "ok",
        valAccuracy: v,
        // The test set must never steer the search: make it disagree with validation.
        finalTestAccuracy: 1 - v,
      } as RunRow);
    }
  }
  throw new Error("the plan never ended");
}

Deno.test("an interior optimum: the grid at once, then the held-out seeds at the argmax", async () => {
  const batches = await drive((i) => 0.8 - 0.01 * (i - 2) ** 2);
  assertEquals(batches.length, 2);
  assertEquals(batches[0].map((r) => [r.lrIndex, r.seed, r.phase, r.search]), [
    [0, 1, "tune", "grid"],
    [1, 1, "tune", "grid"],
    [2, 1, "tune", "grid"],
    [3, 1, "tune", "grid"],
    [4, 1, "tune", "grid"],
  ]);
  assertEquals(batches[1].map((r) => [r.lrIndex, r.seed, r.search]), [
    [2, 2, "interior"],
    [2, 3, "interior"],
    [2, 4, "interior"],
    [2, 5, "interior"],
    [2, 6, "interior"],
  ]);
});

Deno.test("an edge optimum extends one rate at a time until it is interior", async () => {
  // Best at index 6: two extensions above the grid (5, 6), then 7 shows 6 is the peak.
  const batches = await drive((i) => 0.8 - 0.01 * (i - 6) ** 2);
  assertEquals(batches.slice(1, -1).map((b) => b.map((r) => [r.lrIndex, r.search])), [
    [[5, "extension"]],
    [[6, "extension"]],
    [[7, "extension"]],
  ]);
  const seeds = batches.at(-1)!;
  assert(seeds.every((r) => r.lrIndex === 6 && r.phase === "seed" && r.search === "interior"));
  // Below the grid: negative indices, smaller rates.
  const low = await drive((i) => 0.8 - 0.01 * (i + 1) ** 2);
  assertEquals(low.slice(1, -1).map((b) => b[0].lrIndex), [-1, -2]);
  assert(low[1][0].baseLr < low[0][0].baseLr);
  assert(low.at(-1)!.every((r) => r.lrIndex === -1));
});

Deno.test("the search stops at its cap and flags the held-out seeds cap-hit", async () => {
  const batches = await drive((i) => 0.5 + 0.01 * i); // better and better: never interior
  assertEquals(batches.length, 1 + MAX_EXTENSIONS + 1);
  const seeds = batches.at(-1)!;
  assertEquals(seeds.length, 5);
  assert(seeds.every((r) => r.lrIndex === 4 + MAX_EXTENSIONS && r.search === "cap-hit"));
});

Deno.test("a diverged rate scores worst; ties go to the smaller rate", async () => {
  // Indices 3 and above diverge; 0-2 tie: the smallest (0) wins, so the search goes down.
  const batches = await drive((i) => (i >= 3 ? NaN : 0.7));
  assertEquals(batches[1][0].lrIndex, -1);
  assert(batches.at(-1)!.every((r) => r.lrIndex === -MAX_EXTENSIONS && r.search === "cap-hit"));
  // Every rate diverges: the search walks down to the cap, never up.
  const all = await drive(() => NaN);
  assert(all.slice(1, -1).every((b) => b[0].lrIndex < 0));
});

Deno.test("held-out seeds are the grid's seeds without the tuning seed", async () => {
  const batches = await drive((i) => 0.8 - 0.01 * (i - 2) ** 2);
  const tuning = new Set(batches[0].map((r) => r.seed));
  const held = batches.at(-1)!.map((r) => r.seed);
  assertEquals(held, grid.seeds.slice(1));
  assert(held.every((s) => !tuning.has(s)));
});

/** SMOKE tuned on the mean validation accuracy of its first 3 seeds (held out: 4, 5, 6). */
const meanOf3: GridSpec = {
  ...grid,
  lrGrid: { ...grid.lrGrid, tuneOn: "first-k-seeds", tuneSeeds: 3 },
};

Deno.test("tuning on the mean of 3 seeds: every rate on each, the held-out seeds at its argmax", async () => {
  // Seed 1 alone peaks at index 1; seeds 2 and 3 at index 3; their mean at index 2
  // (means: 0.7567, 0.7633, 0.7667, 0.7633, 0.7567 for indices 0-4).
  const peak: Record<number, number> = { 1: 1, 2: 3, 3: 3 };
  const batches = await drive((i, seed) => 0.8 - 0.01 * (i - peak[seed]) ** 2, meanOf3);
  assertEquals(batches.length, 2);
  assertEquals(batches[0].length, 15);
  for (let i = 0; i < 5; i++) {
    const seeds = batches[0].filter((r) => r.lrIndex === i).map((r) => r.seed);
    assertEquals(seeds, [1, 2, 3]);
  }
  assert(batches[0].every((r) => r.phase === "tune" && r.search === "grid"));
  assertEquals(batches[1].map((r) => [r.lrIndex, r.seed, r.phase, r.search]), [
    [2, 4, "seed", "interior"],
    [2, 5, "seed", "interior"],
    [2, 6, "seed", "interior"],
  ]);
});

Deno.test("with 3 tuning seeds the search extends on the mean, each extension on all 3 seeds", async () => {
  // Seed 1 alone peaks inside the grid (index 3), but seeds 2 and 3 peak at 7: the mean
  // (0.01 * ((i-3)^2 + 2 (i-7)^2) / 3 below 0.8) peaks at 5.67, so index 6 beats 5 and 4:
  // the search goes past the grid's top edge (index 4) to 5, 6 and then 7, where 6 is
  // interior. A search on seed 1 alone would have stopped in the grid.
  const peak: Record<number, number> = { 1: 3, 2: 7, 3: 7 };
  const batches = await drive((i, seed) => 0.8 - 0.01 * (i - peak[seed]) ** 2, meanOf3);
  const extensions = batches.slice(1, -1);
  assertEquals(
    extensions.map((b) => b.map((r) => [r.lrIndex, r.seed, r.search])),
    [5, 6, 7].map((i) => [1, 2, 3].map((seed) => [i, seed, "extension"])),
  );
  const held = batches.at(-1)!;
  assertEquals(held.map((r) => [r.lrIndex, r.seed, r.search]), [
    [6, 4, "interior"],
    [6, 5, "interior"],
    [6, 6, "interior"],
  ]);
  // A rate on which one tuning seed diverged scores worst, whatever the others say: seed 3
  // diverges at index 2, the best of the other two, and the mean picks index 1 (a tie
  // with 3 below the best, broken towards the smaller rate).
  const diverging = await drive(
    (i, seed) => (seed === 3 && i === 2 ? NaN : 0.8 - 0.01 * (i - 2) ** 2),
    meanOf3,
  );
  assert(diverging.at(-1)!.every((r) => r.lrIndex === 1 && r.phase === "seed"));
});
