/**
 * A user's grid: a JSON file of the same shape as a preset, checked field by field so a
 * mistake is reported with its path, the bad value and what is allowed.
 *
 * @module
 */
import { MODEL_KINDS } from "../models/types.ts";
import type { ModelKind } from "../models/types.ts";
import { modelProblem, TRAIN_LIMITS } from "../train/limits.ts";
import {
  comparisonsProblems,
  equivalenceProblems,
  lrCentresProblems,
  methodsProblems,
} from "./grid_methods.ts";
import { PRESETS } from "./presets.ts";
import { DATASETS } from "./types.ts";
import type { GridSpec } from "./types.ts";

/** A grid file that does not describe a valid grid; `problems` lists every mistake. */
export class GridSpecError extends Error {
  /** One line per problem: `path: what is wrong`. */
  readonly problems: string[];
  /** A command meeting it exits 2, the grid file being part of its command line. */
  readonly exitCode = 2;
  /** @param problems one line per problem. */
  constructor(problems: string[]) {
    super(`invalid grid:\n  ${problems.join("\n  ")}`);
    this.name = "GridSpecError";
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

const TOP_KEYS = [
  "extends",
  "name",
  "description",
  "dataset",
  "model",
  "methods",
  "batchSizes",
  "depths",
  "seeds",
  "epochs",
  "lrGrid",
  "evalPoints",
  "evalSamples",
  "targetAccuracy",
  "divergenceFactor",
  "traceSteps",
  "equivalenceMargin",
  "lrCentres",
  "comparisons",
];

/** The keys of each nested object; any other key is a typo and is refused. */
const NESTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  dataset: ["name", "dataDir", "trainSamples", "testSamples"],
  model: ["kind", "width"],
  lrGrid: ["points", "factor", "tuneOn", "tuneSeeds"],
};

/**
 * Upper bounds of every number, so a typo cannot ask for a run that eats the machine
 * (`"depths": [1000000000]`). Each is far above any preset (paper: width 16, depth 18,
 * batch 16384, 90 epochs, 5 rates, 10000 eval samples).
 */
export const GRID_LIMITS = {
  width: TRAIN_LIMITS.width,
  depth: TRAIN_LIMITS.depth,
  batchSize: 1 << 20,
  seed: 2 ** 31 - 1,
  epochs: TRAIN_LIMITS.epochs,
  lrPoints: 100,
  lrFactor: 1000,
  evalPoints: 10_000,
  samples: 100_000_000,
  divergenceFactor: 1e12,
  traceSteps: 1_000_000,
  listLength: 1000,
  /** 10 points: a wider margin says nothing about equivalence, and a value above it is most
   * likely points written for a fraction (0.5 meant as 0.005). */
  equivalenceMargin: 0.1,
} as const;

/** Held-out seeds a grid tuned on its first k seeds must keep, so each cell still has a
 * spread (a standard deviation) to report. */
export const MIN_HELD_OUT_AFTER_TUNING = 2;

/**
 * Checks `value` (parsed JSON) and returns the grid it describes. `"extends": "<preset>"`
 * starts from a preset and overrides the fields given (all but `description`, which is the
 * file's own or derived from the preset's name and the fields changed); without it every
 * field of {@link GridSpec} must be present except `description` and `traceSteps`.
 *
 * @throws {GridSpecError} listing every problem found.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { validateGridSpec } from "@lalc/large-batch/suite";
 * const grid = validateGridSpec({ extends: "smoke", name: "mine", batchSizes: [64] });
 * assertEquals(grid.batchSizes, [64]);
 * ```
 */
export function validateGridSpec(value: unknown): GridSpec {
  const problems: string[] = [];
  if (!isObj(value)) throw new GridSpecError([`grid: must be a JSON object, got ${show(value)}`]);
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.includes(key)) {
      problems.push(`grid.${key}: unknown field; allowed: ${TOP_KEYS.join(", ")}`);
    }
  }
  let base: Obj = {};
  if (value.extends !== undefined) {
    const preset = typeof value.extends === "string" ? PRESETS[value.extends] : undefined;
    if (preset === undefined) {
      problems.push(
        `grid.extends: unknown preset ${show(value.extends)}; allowed: ${
          Object.keys(PRESETS).join(", ")
        }`,
      );
    } else base = { ...preset } as unknown as Obj;
  }
  const merged: Obj = { ...base, ...value };
  if (isObj(base.dataset) && isObj(value.dataset)) {
    merged.dataset = { ...base.dataset, ...value.dataset };
  }
  if (isObj(base.model) && isObj(value.model)) merged.model = { ...base.model, ...value.model };
  if (isObj(base.lrGrid) && isObj(value.lrGrid)) {
    merged.lrGrid = { ...base.lrGrid, ...value.lrGrid };
  }
  // `"lrGrid": {"tuneSeeds": 3}` alone says how to tune: on the first 3 seeds (a preset's
  // `tuneOn: "first-seed"` must not turn it into a contradiction). Written beside another
  // `tuneOn` in the same object, it is one, and is refused below.
  if (
    isObj(value.lrGrid) && value.lrGrid.tuneSeeds !== undefined &&
    value.lrGrid.tuneOn === undefined && isObj(merged.lrGrid)
  ) {
    merged.lrGrid = { ...merged.lrGrid, tuneOn: "first-k-seeds" };
  }
  // A preset's description describes the preset's runs: a grid that extends it and changes
  // them must not carry it (it would label the new grid's results). Without its own
  // description it gets one that says where it came from and what it changed.
  if (value.extends !== undefined && value.description === undefined) {
    const changed = Object.keys(value).filter((k) => !["extends", "name"].includes(k));
    merged.description = `user grid from preset ${show(value.extends)}` +
      (changed.length > 0 ? `, changing ${changed.join(", ")}` : "");
  }
  merged.description ??= "user grid";
  merged.traceSteps ??= 0;

  const need = (path: string, v: unknown, ok: boolean, allowed: string): void => {
    if (v === undefined) problems.push(`${path}: missing; expected ${allowed}`);
    else if (!ok) problems.push(`${path}: got ${show(v)}; expected ${allowed}`);
  };
  const L = GRID_LIMITS;
  const posInt = (max: number) => (v: unknown) =>
    Number.isInteger(v) && (v as number) > 0 && (v as number) <= max;
  const nonNegInt = (max: number) => (v: unknown) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
  const posNum = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;
  /** `need` for a whole number from 1 to `max`. */
  const needPosInt = (path: string, v: unknown, max: number) =>
    need(path, v, posInt(max)(v), `an integer from 1 to ${max}`);
  const list = (path: string, v: unknown, item: (x: unknown) => boolean, allowed: string) => {
    if (!Array.isArray(v) || v.length === 0 || v.length > L.listLength) {
      need(path, v, false, `a non-empty array (at most ${L.listLength}) of ${allowed}`);
      return;
    }
    v.forEach((x, i) => need(`${path}[${i}]`, x, item(x), allowed));
    if (new Set(v).size !== v.length) problems.push(`${path}: has duplicates ${show(v)}`);
  };

  need(
    "grid.name",
    merged.name,
    typeof merged.name === "string" && /^[A-Za-z0-9_.-]+$/.test(merged.name),
    "a name of letters, digits, '_', '.', '-'",
  );
  need("grid.description", merged.description, typeof merged.description === "string", "text");
  for (const [field, keys] of Object.entries(NESTED_KEYS)) {
    const o = merged[field];
    if (!isObj(o)) continue;
    for (const key of Object.keys(o)) {
      if (!keys.includes(key)) {
        problems.push(`grid.${field}.${key}: unknown field; allowed: ${keys.join(", ")}`);
      }
    }
  }
  const ds = merged.dataset;
  need("grid.dataset", ds, isObj(ds), "an object");
  if (isObj(ds)) {
    const allowed = `one of ${DATASETS.join(", ")}`;
    need("grid.dataset.name", ds.name, (DATASETS as readonly unknown[]).includes(ds.name), allowed);
    if (ds.dataDir !== undefined) {
      need("grid.dataset.dataDir", ds.dataDir, typeof ds.dataDir === "string", "a folder path");
    }
    for (const k of ["trainSamples", "testSamples"]) {
      if (ds[k] !== undefined) {
        need(
          `grid.dataset.${k}`,
          ds[k],
          nonNegInt(L.samples)(ds[k]),
          `an integer from 0 to ${L.samples}`,
        );
      }
    }
  }
  const model = merged.model;
  need("grid.model", model, isObj(model), "an object");
  if (isObj(model)) {
    need(
      "grid.model.kind",
      model.kind,
      (MODEL_KINDS as readonly unknown[]).includes(model.kind),
      `one of ${MODEL_KINDS.join(", ")}`,
    );
    needPosInt("grid.model.width", model.width, L.width);
  }
  problems.push(...methodsProblems(merged.methods, L.listLength));
  list(
    "grid.batchSizes",
    merged.batchSizes,
    posInt(L.batchSize),
    `integers from 1 to ${L.batchSize}`,
  );
  list("grid.depths", merged.depths, posInt(L.depth), `integers from 1 to ${L.depth}`);
  // Each depth with the model, by the rules `train` applies (src/train/limits.ts): a ResNet
  // depth that is not 6n + 2, or a model too large to hold, is refused before any run.
  if (isObj(model) && Array.isArray(merged.depths) && posInt(L.width)(model.width)) {
    merged.depths.forEach((depth, i) => {
      if (!posInt(L.depth)(depth)) return;
      const problem = modelProblem(model.kind as ModelKind, depth as number, model.width as number);
      if (problem !== undefined) problems.push(`grid.depths[${i}]: ${problem}`);
    });
  }
  list("grid.seeds", merged.seeds, nonNegInt(L.seed), `integers from 0 to ${L.seed}`);
  need(
    "grid.epochs",
    merged.epochs,
    posNum(merged.epochs) && (merged.epochs as number) <= L.epochs,
    `a number > 0 and <= ${L.epochs}`,
  );
  const lr = merged.lrGrid;
  need("grid.lrGrid", lr, isObj(lr), "an object {points, factor, tuneOn[, tuneSeeds]}");
  if (isObj(lr)) {
    needPosInt("grid.lrGrid.points", lr.points, L.lrPoints);
    need(
      "grid.lrGrid.factor",
      lr.factor,
      posNum(lr.factor) && (lr.factor as number) > 1 && (lr.factor as number) <= L.lrFactor,
      `a number > 1 and <= ${L.lrFactor}`,
    );
    lr.tuneOn ??= "first-seed";
    need(
      "grid.lrGrid.tuneOn",
      lr.tuneOn,
      lr.tuneOn === "first-seed" || lr.tuneOn === "first-k-seeds" || lr.tuneOn === "all-seeds",
      '"first-seed", "first-k-seeds" (with tuneSeeds) or "all-seeds"',
    );
    checkTuneSeeds(lr, merged.seeds, problems);
  }
  needPosInt("grid.evalPoints", merged.evalPoints, L.evalPoints);
  needPosInt("grid.evalSamples", merged.evalSamples, L.samples);
  need(
    "grid.targetAccuracy",
    merged.targetAccuracy,
    typeof merged.targetAccuracy === "number" && merged.targetAccuracy > 0 &&
      merged.targetAccuracy <= 1,
    "a number in (0, 1]",
  );
  need(
    "grid.divergenceFactor",
    merged.divergenceFactor,
    posNum(merged.divergenceFactor) && (merged.divergenceFactor as number) > 1 &&
      (merged.divergenceFactor as number) <= L.divergenceFactor,
    `a number > 1 and <= ${L.divergenceFactor}`,
  );
  need(
    "grid.traceSteps",
    merged.traceSteps,
    nonNegInt(L.traceSteps)(merged.traceSteps),
    `an integer from 0 to ${L.traceSteps}`,
  );
  if (merged.equivalenceMargin !== undefined) {
    const m = merged.equivalenceMargin;
    need(
      "grid.equivalenceMargin",
      m,
      posNum(m) && (m as number) <= L.equivalenceMargin,
      `a fraction of accuracy > 0 and <= ${L.equivalenceMargin} (0.005 is 0.5 points)`,
    );
  }
  problems.push(
    ...lrCentresProblems(merged.lrCentres, merged.methods, merged.batchSizes),
    ...comparisonsProblems(merged.comparisons, merged.methods, merged.batchSizes, merged.depths),
    ...equivalenceProblems(
      merged.comparisons,
      merged.equivalenceMargin,
      value.equivalenceMargin !== undefined,
    ),
  );
  if (problems.length > 0) throw new GridSpecError(problems);
  delete merged.extends;
  return merged as unknown as GridSpec;
}

/**
 * The check of `lrGrid.tuneSeeds` (k): required with `tuneOn: "first-k-seeds"`, refused with
 * any other `tuneOn`, and an integer from 1 to the number of seeds less
 * {@link MIN_HELD_OUT_AFTER_TUNING}. One line per problem, naming the value and what is
 * allowed.
 */
function checkTuneSeeds(lr: Obj, seeds: unknown, problems: string[]): void {
  const k = lr.tuneSeeds;
  if (lr.tuneOn !== "first-k-seeds") {
    if (k !== undefined && (lr.tuneOn === "first-seed" || lr.tuneOn === "all-seeds")) {
      problems.push(
        `grid.lrGrid.tuneSeeds: got ${show(k)} with tuneOn ${show(lr.tuneOn)}; ` +
          'tuneSeeds goes with tuneOn "first-k-seeds" (or leave tuneOn out)',
      );
    }
    return;
  }
  const count = Array.isArray(seeds) ? seeds.length : undefined;
  const max = count === undefined ? GRID_LIMITS.listLength : count - MIN_HELD_OUT_AFTER_TUNING;
  const allowed = count === undefined
    ? "an integer >= 1"
    : max < 1
    ? `an integer from 1 to the number of seeds less ${MIN_HELD_OUT_AFTER_TUNING}, but ` +
      `grid.seeds has ${count}: add seeds`
    : `an integer from 1 to ${max} (the grid's ${count} seeds less ` +
      `${MIN_HELD_OUT_AFTER_TUNING} held out)`;
  if (k === undefined) {
    problems.push(
      `grid.lrGrid.tuneSeeds: missing with tuneOn "first-k-seeds"; expected ${allowed}`,
    );
  } else if (!(Number.isInteger(k) && (k as number) >= 1 && (k as number) <= max)) {
    problems.push(`grid.lrGrid.tuneSeeds: got ${show(k)}; expected ${allowed}`);
  }
}

/**
 * Reads and validates the grid file at `path`.
 *
 * @throws {GridSpecError} when the file is unreadable, not JSON, or not a valid grid.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { loadGridFile } from "@lalc/large-batch/suite";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({ extends: "smoke", name: "mine", seeds: [7] }));
 * const grid = await loadGridFile(path);
 * assertEquals([grid.name, grid.seeds, grid.dataset.name], ["mine", [7], "fashion-mnist-subset"]);
 * await Deno.remove(path);
 * ```
 */
export async function loadGridFile(path: string): Promise<GridSpec> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new GridSpecError([`--grid ${path}: cannot read it (${(e as Error).message})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GridSpecError([`--grid ${path}: not valid JSON (${(e as Error).message})`]);
  }
  return validateGridSpec(value);
}

/**
 * Whether two grids define the same runs: every field but the prose `description` equal.
 * A results folder resumes only under the same grid, and rewording a preset's description
 * must not orphan its committed results.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { sameGrid } from "./grid_spec.ts";
 * import { SMOKE } from "./presets.ts";
 * assertEquals(sameGrid(SMOKE, { ...SMOKE, description: "reworded" }), true);
 * assertEquals(sameGrid(SMOKE, { ...SMOKE, epochs: 4 }), false);
 * ```
 */
export function sameGrid(a: GridSpec, b: GridSpec): boolean {
  const runsOf = (g: GridSpec) => JSON.stringify({ ...g, description: undefined });
  return runsOf(a) === runsOf(b);
}
