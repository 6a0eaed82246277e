/**
 * Which runs a grid does, in which order, and their deterministic ids.
 *
 * Cells (method x batch size x depth) run one after the other, depth-major, so an
 * interrupted grid leaves whole cells behind it. Within a cell the tuning runs come first;
 * with `tuneOn: "first-seed"` the other seeds then run at the rate the tuning picked.
 *
 * @module
 */
import { learningRateGrid } from "../methods/recipes.ts";
import type { GridSpec, MethodName, PlannedRun } from "./types.ts";

/** What a run id is computed from, besides its grid. */
export interface RunKey {
  readonly method: MethodName;
  readonly batchSize: number;
  readonly depth: number;
  readonly seed: number;
  readonly baseLr: number;
}

/**
 * The id of a run of `grid`: the first 16 hex digits of SHA-256 over what identifies it. The
 * same grid name, method, batch size, depth, seed and base rate always give the same id.
 * Every caller goes through this one function, so what the id covers can grow in one place.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { runId } from "./plan.ts";
 * import { PRESETS } from "./presets.ts";
 * const id = await runId(PRESETS.smoke, {
 *   method: "lalc", batchSize: 32, depth: 2, seed: 1, baseLr: 0.1,
 * });
 * assertEquals(id.length, 16);
 * ```
 */
export async function runId(grid: GridSpec, run: RunKey): Promise<string> {
  const key =
    `${grid.name}|${run.method}|b${run.batchSize}|d${run.depth}|s${run.seed}|lr${run.baseLr}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** One cell of the grid. */
export interface Cell {
  readonly method: MethodName;
  readonly batchSize: number;
  readonly depth: number;
}

/** The cells of `grid`, in run order (depth, then batch size, then method). */
export function gridCells(grid: GridSpec): Cell[] {
  const cells: Cell[] = [];
  for (const depth of grid.depths) {
    for (const batchSize of grid.batchSizes) {
      for (const method of grid.methods) cells.push({ method, batchSize, depth });
    }
  }
  return cells;
}

/** The tuning runs of `cell`: every rate of the method's grid, on the first seed only or on
 * every seed. */
export async function tuningRuns(grid: GridSpec, cell: Cell): Promise<PlannedRun[]> {
  const rates = learningRateGrid(cell.method, grid.lrGrid.points, grid.lrGrid.factor);
  const seeds = grid.lrGrid.tuneOn === "all-seeds" ? grid.seeds : grid.seeds.slice(0, 1);
  const runs: PlannedRun[] = [];
  for (const [lrIndex, baseLr] of rates.entries()) {
    for (const seed of seeds) {
      runs.push({
        ...cell,
        seed,
        lrIndex,
        baseLr,
        phase: "tune",
        runId: await runId(grid, { ...cell, seed, baseLr }),
      });
    }
  }
  return runs;
}

/** The further-seed runs of `cell` at rate index `lrIndex` (none with `all-seeds`). */
export async function seedRuns(grid: GridSpec, cell: Cell, lrIndex: number): Promise<PlannedRun[]> {
  if (grid.lrGrid.tuneOn === "all-seeds") return [];
  const baseLr = learningRateGrid(cell.method, grid.lrGrid.points, grid.lrGrid.factor)[lrIndex];
  const runs: PlannedRun[] = [];
  for (const seed of grid.seeds.slice(1)) {
    runs.push({
      ...cell,
      seed,
      lrIndex,
      baseLr,
      phase: "seed",
      runId: await runId(grid, { ...cell, seed, baseLr }),
    });
  }
  return runs;
}

/** Number of runs `grid` does in all (for the progress bar). */
export function totalRuns(grid: GridSpec): number {
  const perCell = grid.lrGrid.tuneOn === "all-seeds"
    ? grid.lrGrid.points * grid.seeds.length
    : grid.lrGrid.points + grid.seeds.length - 1;
  return gridCells(grid).length * perCell;
}
