/**
 * A cell's procedure: which runs a (method, batch size, depth) cell does next, given the runs
 * it has finished so far.
 *
 * This is the one seam between *what* a cell runs (the tuning protocol) and *how* runs are
 * scheduled (the runner: serially, on parallel workers, or on one shard of many machines).
 * The runner calls {@link nextCellRuns} with the cell's finished rows, runs every run it
 * returns (they are independent of each other, so they may run at the same time), records
 * them, and calls again; an empty answer means the cell is complete. The answer depends only
 * on the grid, the cell and the finished rows, so a resumed or sharded grid makes the same
 * choices as an uninterrupted one.
 *
 * The procedure (docs/protocol.md):
 * 1. every rate of the method's initial grid (`lrGrid.points`, at least 5 in the presets) on
 *    the tuning seed(s), all at once;
 * 2. while the rate with the best validation accuracy (the mean over the tuning seeds, with
 *    `tuneOn: "first-k-seeds"` k of them) is the lowest or the highest tried, one more rate a
 *    grid step beyond that edge, on every tuning seed, up to {@link MAX_EXTENSIONS} in all; a
 *    run that diverged or failed scores worst, and so does its rate's mean;
 * 3. the held-out seeds (every seed but the tuning ones), all at once, at the validation
 *    argmax, flagged `cap-hit` when the search stopped at the cap with the best rate still at
 *    an edge, else `interior`.
 *
 * @module
 */
import { cellRun, seedRuns, tuningSeeds } from "./plan.ts";
import type { Cell } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import { tuneScore } from "./select.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/**
 * The most rates the search adds beyond the initial grid of a cell (on either side, in all).
 * With the presets' factor of 2, four steps reach 16x beyond the grid's edge; a cell whose
 * best rate is still at an edge then is flagged `cap-hit` in `runs.csv` and `summary.csv`.
 */
export const MAX_EXTENSIONS = 4;

/** Where a cell's search stands, from its finished tuning rows. */
export interface SearchState {
  /** Runs still to do before the search can move on (empty once it has ended). */
  readonly pending: PlannedRun[];
  /** Lowest rate index tried so far. */
  readonly lo: number;
  /** Highest rate index tried so far. */
  readonly hi: number;
  /** The validation argmax so far (ties go to the smaller rate); undefined before any score. */
  readonly best: number | undefined;
  /** True once the search has ended. */
  readonly done: boolean;
  /** True when it ended at the cap with the best rate at an edge. */
  readonly capHit: boolean;
}

/** The mean tuning score of each tried rate index, and the argmax (ties: smaller rate). */
function argmax(
  scores: ReadonlyMap<number, readonly number[]>,
): number | undefined {
  let best: number | undefined;
  let bestScore = -Infinity;
  for (const i of [...scores.keys()].sort((a, b) => a - b)) {
    const xs = scores.get(i)!;
    const s = xs.reduce((a, b) => a + b, 0) / xs.length;
    if (best === undefined || s > bestScore) [best, bestScore] = [i, s];
  }
  return best;
}

/**
 * Replays the search of `cell` over `finished` rows: the runs it waits for, the tried range
 * and the argmax.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { searchState } from "./cell_plan.ts";
 * import { PRESETS } from "@lalc/large-batch/suite";
 * const s = await searchState(PRESETS.smoke, { method: "lalc", batchSize: 32, depth: 2 },
 *   new Map());
 * assertEquals(s.pending.length, PRESETS.smoke.lrGrid.points); // nothing ran: the initial grid
 * ```
 */
export async function searchState(
  grid: GridSpec,
  cell: Cell,
  finished: ReadonlyMap<string, RunRow>,
): Promise<SearchState> {
  const seeds = tuningSeeds(grid);
  const scores = new Map<number, number[]>();
  let lo = 0;
  let hi = grid.lrGrid.points - 1;
  const tried = new Set<number>();
  while (true) {
    const pending: PlannedRun[] = [];
    for (let i = lo; i <= hi; i++) {
      if (tried.has(i)) continue;
      const flag = i >= 0 && i < grid.lrGrid.points ? "grid" : "extension";
      const xs: number[] = [];
      for (const seed of seeds) {
        const run = await cellRun(grid, cell, i, seed, "tune", flag);
        const row = finished.get(run.runId);
        if (row) xs.push(tuneScore(row));
        else pending.push(run);
      }
      if (xs.length === seeds.length) {
        tried.add(i);
        scores.set(i, xs);
      }
    }
    const best = argmax(scores);
    if (pending.length > 0) return { pending, lo, hi, best, done: false, capHit: false };
    const extensions = hi - lo + 1 - grid.lrGrid.points;
    const atEdge = best === lo || best === hi;
    if (atEdge && extensions < MAX_EXTENSIONS) {
      if (best === hi) hi++;
      else lo--;
      continue;
    }
    return { pending: [], lo, hi, best, done: true, capHit: atEdge };
  }
}

/**
 * The next runs of `cell` that have not finished; `[]` when the cell is complete. `finished`
 * maps run ids to the rows already recorded (rows of other cells are ignored, as are rows
 * whose id this grid would not plan). The runs of one answer are independent: the whole
 * initial grid, then one extension rate at a time, then every held-out seed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { nextCellRuns } from "./cell_plan.ts";
 * import { PRESETS } from "@lalc/large-batch/suite";
 * const grid = PRESETS.smoke;
 * const cell = { method: "lalc", batchSize: grid.batchSizes[0], depth: grid.depths[0] } as const;
 * const first = await nextCellRuns(grid, cell, new Map());
 * assertEquals(first.every((r) => r.phase === "tune"), true);
 * ```
 */
export async function nextCellRuns(
  grid: GridSpec,
  cell: Cell,
  finished: ReadonlyMap<string, RunRow>,
): Promise<PlannedRun[]> {
  const state = await searchState(grid, cell, finished);
  if (!state.done) return state.pending;
  const runs = await seedRuns(grid, cell, state.best!, state.capHit ? "cap-hit" : "interior");
  return runs.filter((r) => !finished.has(r.runId));
}
