import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { MAX_EXTENSIONS, nextCellRuns } from "./cell_plan.ts";
import { SMOKE } from "./presets.ts";
import type { RunRow } from "./schema.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

const grid: GridSpec = { ...SMOKE, name: "plan-test" };
const cell = { method: "warmup", batchSize: 32, depth: 2 } as const;

/** Runs the cell's procedure to the end with `score(lrIndex, seed)` as validation accuracy
 * (NaN: diverged); returns every batch of runs the plan handed out. */
async function drive(score: (lrIndex: number, seed: number) => number): Promise<PlannedRun[][]> {
  const finished = new Map<string, RunRow>();
  const batches: PlannedRun[][] = [];
  for (let i = 0; i < 50; i++) {
    const next = await nextCellRuns(grid, cell, finished);
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
