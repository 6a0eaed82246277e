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
 * @module
 */
import { seedRuns, tuningRuns } from "./plan.ts";
import type { Cell } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import { bestLrIndex } from "./select.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/**
 * The next runs of `cell` that have not finished, in the order they were planned; `[]` when
 * the cell is complete. `finished` maps run ids to the rows already recorded (rows of other
 * cells are ignored, as are rows whose id this grid would not plan).
 *
 * Today's procedure: every rate of the method's grid on the tuning seed(s), then the other
 * seeds at the rate with the best tuning score.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { nextCellRuns } from "./cell_plan.ts";
 * import { PRESETS } from "./presets.ts";
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
  const tuning = await tuningRuns(grid, cell);
  const pendingTuning = tuning.filter((r) => !finished.has(r.runId));
  if (pendingTuning.length > 0) return pendingTuning;
  const tuned = tuning.map((r) => finished.get(r.runId)!);
  const best = bestLrIndex(tuned) ?? 0;
  return (await seedRuns(grid, cell, best)).filter((r) => !finished.has(r.runId));
}
