/**
 * Which runs a grid does, in which order, and their deterministic ids.
 *
 * Cells (method x batch size x depth) run one after the other, depth-major, so an
 * interrupted grid leaves whole cells behind it. Within a cell the tuning runs come first;
 * with `tuneOn: "first-seed"` the other seeds then run at the rate the tuning picked.
 *
 * @module
 */
import { learningRateGrid, METHOD_RECIPE_VERSION } from "../methods/recipes.ts";
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
 * Grid fields that do not change what one run computes: prose, and the lists that only say
 * which cells and seeds exist (the run's own method, batch size, depth and seed are in its
 * key). Every other field, present or added later, is part of the id.
 */
const NOT_PART_OF_A_RUN = ["name", "description", "methods", "batchSizes", "depths", "seeds"];

/** JSON with object keys sorted, so equal values give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The id of a run of `grid`: the first 16 hex digits of SHA-256 over the whole run
 * configuration — every grid field that changes what a run computes (data set, model, epochs,
 * rate grid, evaluation, divergence, tracing, and any field added later), the method
 * recipes' version ({@link METHOD_RECIPE_VERSION}), and the run's method, batch size, depth,
 * seed and base rate. Not in it: the grid's name and description and its lists of methods,
 * batch sizes, depths and seeds, which say which runs exist but not what one computes. So a
 * resume with other epochs, width, data or evaluation settings finds none of its runs done,
 * while adding a seed or a batch size keeps the ids of the runs already finished.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { runId } from "./plan.ts";
 * import { PRESETS } from "./presets.ts";
 * const run = { method: "lalc", batchSize: 32, depth: 2, seed: 1, baseLr: 0.1 } as const;
 * const id = await runId(PRESETS.smoke, run);
 * if (id.length !== 16) throw new Error("not 16 hex digits");
 * if (id === await runId({ ...PRESETS.smoke, epochs: 4 }, run)) throw new Error("epochs ignored");
 * if (id !== await runId({ ...PRESETS.smoke, name: "other" }, run)) throw new Error("name used");
 * ```
 */
export async function runId(grid: GridSpec, run: RunKey): Promise<string> {
  const config: Record<string, unknown> = { ...grid };
  for (const k of NOT_PART_OF_A_RUN) delete config[k];
  const key = canonicalJson({
    recipes: METHOD_RECIPE_VERSION,
    grid: config,
    run: {
      method: run.method,
      batchSize: run.batchSize,
      depth: run.depth,
      seed: run.seed,
      baseLr: run.baseLr,
    },
  });
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
