/**
 * Which runs a grid does, in which order, and their deterministic ids.
 *
 * Cells (method x batch size x depth) run one after the other, depth-major, so an
 * interrupted grid leaves whole cells behind it. What a cell runs is decided by
 * `cell_plan.ts` (the tuning search, then the held-out seeds); this module names the runs.
 *
 * @module
 */
import { METHOD_RECIPE_VERSION, rateAtIndex } from "../methods/recipes.ts";
import { entryName, overridesOf, recipeOf } from "../methods/variants.ts";
import type { GridSpec, PlannedRun, SearchFlag } from "./types.ts";

/** What a run id is computed from, besides its grid. */
export interface RunKey {
  /** A method of `METHODS` or the name of one of the grid's variants. */
  readonly method: string;
  readonly batchSize: number;
  readonly depth: number;
  readonly seed: number;
  readonly baseLr: number;
}

/**
 * Grid fields that do not change what one run computes: prose, the lists that only say
 * which cells and seeds exist (the run's own method, batch size, depth and seed are in its
 * key, and a variant's settings too), the comparisons of `claims.csv` and the equivalence
 * margin, which only the report reads, and the per-batch rate centres (a run's own centre
 * is in its key). Every other field, present or added later, is part of the id.
 */
const NOT_PART_OF_A_RUN = [
  "name",
  "description",
  "methods",
  "batchSizes",
  "depths",
  "seeds",
  "equivalenceMargin",
  "lrCentres",
  "comparisons",
];

/**
 * The centre of `method`'s rate grid at `batchSize` in `grid` (per 256 samples, before
 * scaling): the grid's `lrCentres` entry for them, else the method's (or variant's) base rate.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { rateCentre } from "./plan.ts";
 * import { PRESETS } from "@lalc/large-batch/suite";
 * assertEquals(rateCentre(PRESETS.smoke, "warmup", 512), 0.1); // the recipe's base rate
 * const grid = { ...PRESETS.smoke, lrCentres: { warmup: { "512": 0.025 } } };
 * assertEquals(rateCentre(grid, "warmup", 512), 0.025);
 * assertEquals(rateCentre(grid, "warmup", 32), 0.1);
 * ```
 */
export function rateCentre(grid: GridSpec, method: string, batchSize: number): number {
  return grid.lrCentres?.[method]?.[String(batchSize)] ?? recipeOf(grid, method).baseLr;
}

/** What the run key adds for a variant or a moved centre; nothing for a method's own
 * recipe at its own centre, so those ids are what they were before variants existed. */
function recipeKey(grid: GridSpec, run: RunKey): Record<string, unknown> {
  const entry = grid.methods.find((m) => entryName(m) === run.method);
  const key: Record<string, unknown> = {};
  if (entry !== undefined && typeof entry !== "string") {
    key.variant = { base: entry.base, ...overridesOf(entry) };
  }
  const centre = grid.lrCentres?.[run.method]?.[String(run.batchSize)];
  if (centre !== undefined) key.centre = centre;
  return key;
}

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
 * seed and base rate, and, only where they apply, a variant's base and settings and the
 * grid's centre of the cell's rate grid (`lrCentres`). Not in it: the grid's name and
 * description, its lists of methods, batch sizes, depths and seeds, which say which runs
 * exist but not what one computes, and its comparisons and equivalence margin, which only
 * the report reads. So a
 * resume with other epochs, width, data or evaluation settings finds none of its runs done,
 * while adding a seed or a batch size keeps the ids of the runs already finished.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { runId } from "./plan.ts";
 * import { PRESETS } from "@lalc/large-batch/suite";
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
      ...recipeKey(grid, run),
    },
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** One cell of the grid. */
export interface Cell {
  /** A method of `METHODS` or the name of one of the grid's variants. */
  readonly method: string;
  readonly batchSize: number;
  readonly depth: number;
}

/** The cells of `grid`, in run order (depth, then batch size, then method). */
export function gridCells(grid: GridSpec): Cell[] {
  const cells: Cell[] = [];
  for (const depth of grid.depths) {
    for (const batchSize of grid.batchSizes) {
      for (const entry of grid.methods) {
        cells.push({ method: entryName(entry), batchSize, depth });
      }
    }
  }
  return cells;
}

/**
 * The seeds every rate is tuned on: the first seed (`first-seed`), the first
 * `lrGrid.tuneSeeds` seeds (`first-k-seeds`), or every seed (`all-seeds`). A rate's tuning
 * score is the mean of their validation accuracies.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { heldOutSeeds, tuningSeeds } from "./plan.ts";
 * import { PRESETS } from "@lalc/large-batch/suite";
 * const grid = { ...PRESETS.smoke, lrGrid: { ...PRESETS.smoke.lrGrid, tuneOn: "first-k-seeds", tuneSeeds: 3 } } as const;
 * assertEquals(tuningSeeds(grid), [1, 2, 3]);
 * assertEquals(heldOutSeeds(grid), [4, 5, 6]);
 * ```
 */
export function tuningSeeds(grid: GridSpec): readonly number[] {
  switch (grid.lrGrid.tuneOn) {
    case "all-seeds":
      return grid.seeds;
    case "first-k-seeds":
      return grid.seeds.slice(0, grid.lrGrid.tuneSeeds ?? 1);
    default:
      return grid.seeds.slice(0, 1);
  }
}

/** The held-out evaluation seeds: every seed of the grid that is not a tuning seed. Only
 * these count in the statistics. */
export function heldOutSeeds(grid: GridSpec): readonly number[] {
  const tuning = new Set(tuningSeeds(grid));
  return grid.seeds.filter((s) => !tuning.has(s));
}

/** The run of `cell` at rate index `lrIndex` (any integer: see `rateAtIndex`) and `seed`. */
export async function cellRun(
  grid: GridSpec,
  cell: Cell,
  lrIndex: number,
  seed: number,
  phase: "tune" | "seed",
  search: SearchFlag,
): Promise<PlannedRun> {
  const centred = {
    ...recipeOf(grid, cell.method),
    baseLr: rateCentre(grid, cell.method, cell.batchSize),
  };
  const baseLr = rateAtIndex(centred, lrIndex, grid.lrGrid.points, grid.lrGrid.factor);
  return {
    ...cell,
    seed,
    lrIndex,
    baseLr,
    phase,
    search,
    runId: await runId(grid, { ...cell, seed, baseLr }),
  };
}

/** The tuning runs of `cell` over the method's initial grid: every rate on every tuning seed. */
export async function tuningRuns(grid: GridSpec, cell: Cell): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  for (let lrIndex = 0; lrIndex < grid.lrGrid.points; lrIndex++) {
    for (const seed of tuningSeeds(grid)) {
      runs.push(await cellRun(grid, cell, lrIndex, seed, "tune", "grid"));
    }
  }
  return runs;
}

/** The held-out seed runs of `cell` at rate index `lrIndex`. */
export async function seedRuns(
  grid: GridSpec,
  cell: Cell,
  lrIndex: number,
  search: SearchFlag = "interior",
): Promise<PlannedRun[]> {
  const runs: PlannedRun[] = [];
  for (const seed of heldOutSeeds(grid)) {
    runs.push(await cellRun(grid, cell, lrIndex, seed, "seed", search));
  }
  return runs;
}

/** Number of runs `grid` does at least (the initial grids and the held-out seeds; each
 * extension of a search adds one run per tuning seed). For the progress bar. */
export function totalRuns(grid: GridSpec): number {
  const perCell = grid.lrGrid.points * tuningSeeds(grid).length + heldOutSeeds(grid).length;
  return gridCells(grid).length * perCell;
}
