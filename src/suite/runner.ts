/**
 * The grid runner: every planned run of a grid, through an injected training function, into
 * a results folder that survives being killed (see `store.ts`).
 *
 * @module
 */
import type { Dataset } from "../data/types.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import { methodSchedule, optimizerFactory, scaledLearningRate } from "../methods/recipes.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import { traceLayerRates } from "./layer_rates.ts";
import type { LayerRateTrace } from "./layer_rates.ts";
import { nextCellRuns } from "./cell_plan.ts";
import { gridCells, totalRuns } from "./plan.ts";
import { formatNumber } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { ResultsStore } from "./store.ts";
import type { Versions } from "./meta.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/** Progress of a grid, reported after every run (finished or skipped). */
export interface GridProgress {
  /** Runs finished, including those found finished in the folder. */
  readonly done: number;
  /** Runs of the whole grid. */
  readonly total: number;
  /** Runs done by this process. */
  readonly ranNow: number;
  /** Seconds since this process started the grid. */
  readonly elapsedSeconds: number;
  /** The run just finished or skipped. */
  readonly run: PlannedRun;
  /** Its row (from the folder when skipped). */
  readonly row: RunRow | undefined;
  /** Whether it was already finished. */
  readonly skipped: boolean;
}

/** What {@link runGrid} needs. */
export interface GridRunOptions {
  /** The grid. */
  readonly grid: GridSpec;
  /** The results folder. */
  readonly out: string;
  /** The loaded data set of the grid. */
  readonly dataset: Dataset;
  /** Trains one run (src/train/run.ts's `trainRun`; a fake in tests). */
  readonly runFn: (config: RunConfig) => Promise<RunResult>;
  /** Optimizers and schedules. */
  readonly kit: OptimizerKit;
  /** Backend name written in every row. */
  readonly backend: string;
  /** Versions written in every row. */
  readonly versions: Versions;
  /** Called after every run. */
  readonly onProgress?: (progress: GridProgress) => void;
  /** Stop after this many new runs (tests, `--max-runs`). Default: no limit. */
  readonly maxRuns?: number;
}

/** What {@link runGrid} did. */
export interface GridRunResult {
  /** Every finished run of the folder (old and new). */
  readonly rows: readonly RunRow[];
  /** Runs done by this call. */
  readonly ran: number;
  /** Runs found already finished. */
  readonly skipped: number;
  /** Whether every planned run is finished. */
  readonly complete: boolean;
}

/** The number of optimizer steps a run of `grid` does at `batchSize` on `trainCount` samples. */
export function plannedSteps(grid: GridSpec, batchSize: number, trainCount: number): number {
  const perEpoch = Math.floor(trainCount / batchSize);
  return Math.max(1, Math.round(grid.epochs * perEpoch));
}

/**
 * Runs every unfinished run of `grid`, cell by cell (tuning runs, then the other seeds at the
 * tuned rate), appending each to the folder. A run that diverges or throws is recorded as
 * `diverged` / `error` and the grid goes on.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useBackend } from "../backend/backend.ts";
 * import { makeSyntheticDataset } from "../data/synthetic.ts";
 * import { optimizerKit } from "../methods/kit.ts";
 * import { trainRun } from "../train/run.ts";
 * import { SMOKE } from "./presets.ts";
 * import { runGrid } from "./runner.ts";
 * await useBackend("cpu");
 * const grid = { ...SMOKE, methods: ["lalc"] as const, batchSizes: [32], depths: [2], seeds: [1], epochs: 1,
 *   lrGrid: { points: 1, factor: 10, tuneOn: "first-seed" as const }, model: { kind: "mlp" as const, width: 8 } };
 * const out = await Deno.makeTempDir();
 * const versions = { deno: Deno.version.deno, tfjs: "4.22.0", gitCommit: "unknown" };
 * const dataset = makeSyntheticDataset({ trainCount: 64, testCount: 32 });
 * const result = await runGrid({ grid, out, dataset, runFn: trainRun, kit: optimizerKit, backend: "cpu", versions });
 * assertEquals([result.ran, result.complete], [1, true]);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function runGrid(options: GridRunOptions): Promise<GridRunResult> {
  const { grid } = options;
  const store = await ResultsStore.open(options.out);
  const total = totalRuns(grid);
  const started = performance.now();
  let done = 0;
  let ran = 0;
  let skipped = 0;
  const limit = options.maxRuns ?? Infinity;

  const counted = new Set<string>();
  const doRun = async (run: PlannedRun): Promise<boolean> => {
    if (ran >= limit) return false;
    const { row, curveRows, rateRows } = await executeRun(options, run);
    await store.append(row, curveRows, rateRows);
    counted.add(run.runId);
    done++;
    ran++;
    report(run, row, false);
    return true;
  };
  const report = (run: PlannedRun, row: RunRow | undefined, wasSkipped: boolean) =>
    options.onProgress?.({
      done,
      total,
      ranNow: ran,
      elapsedSeconds: (performance.now() - started) / 1000,
      run,
      row,
      skipped: wasSkipped,
    });

  let complete = true;
  cells: for (const cell of gridCells(grid)) {
    // Rows found in the folder count as done before this cell's first new run.
    for (const row of store.rows) {
      if (
        row.method === cell.method && row.batchSize === cell.batchSize && row.depth === cell.depth
      ) {
        if (!counted.has(row.runId)) {
          counted.add(row.runId);
          done++;
          skipped++;
        }
      }
    }
    while (true) {
      const finished = new Map(store.rows.map((r) => [r.runId, r] as const));
      const next = await nextCellRuns(grid, cell, finished);
      if (next.length === 0) break;
      for (const run of next) {
        if (!await doRun(run)) {
          complete = false;
          break cells;
        }
      }
    }
  }
  return { rows: store.rows, ran, skipped, complete };
}

/** Trains one planned run and turns its result into CSV rows; never throws. */
async function executeRun(
  options: GridRunOptions,
  run: PlannedRun,
): Promise<{ row: RunRow; curveRows: string[][]; rateRows: string[][] }> {
  const { grid, dataset } = options;
  const scaledLr = scaledLearningRate(run.method, run.baseLr, run.batchSize);
  const totalSteps = plannedSteps(grid, run.batchSize, dataset.train.count);
  let traced: LayerRateTrace | undefined;
  const trace = run.method === "lalc" && run.phase === "tune" && run.seed === grid.seeds[0] &&
    grid.traceSteps > 0;
  const make = optimizerFactory(options.kit, run.method, scaledLr, trace);
  const config: RunConfig = {
    dataset,
    model: { kind: grid.model.kind, depth: run.depth, width: grid.model.width, seed: run.seed },
    makeOptimizer: (steps, perEpoch) => {
      const optimizer = make(steps, perEpoch);
      if (!trace) return optimizer;
      // The same schedule the factory gave the optimizer (methodSchedule is deterministic).
      const rateAt = methodSchedule(options.kit, run.method, scaledLr, steps);
      traced = traceLayerRates(optimizer, grid.traceSteps, rateAt);
      return traced.optimizer;
    },
    batchSize: run.batchSize,
    epochs: grid.epochs,
    seed: run.seed,
    evalEvery: Math.max(1, Math.floor(totalSteps / grid.evalPoints)),
    evalSamples: grid.evalSamples,
    targetAccuracy: grid.targetAccuracy,
    divergenceFactor: grid.divergenceFactor,
  };
  let result: RunResult;
  try {
    result = await options.runFn(config);
  } catch (e) {
    result = failedResult(e instanceof Error ? e.message : String(e));
  }
  const row: RunRow = {
    runId: run.runId,
    preset: grid.name,
    dataset: dataset.name,
    model: grid.model.kind,
    depth: run.depth,
    width: grid.model.width,
    method: run.method,
    batchSize: run.batchSize,
    phase: run.phase,
    lrIndex: run.lrIndex,
    baseLr: run.baseLr,
    scaledLr,
    seed: run.seed,
    epochs: result.epochs,
    steps: result.steps,
    backend: options.backend,
    status: result.status,
    finalTrainLoss: result.finalTrainLoss,
    finalTestAccuracy: result.finalTestAccuracy,
    bestTestAccuracy: result.bestTestAccuracy,
    stepsToTarget: result.stepsToTarget,
    maxGradNorm: result.maxGradNorm,
    lossSpikes: result.lossSpikes,
    wallSeconds: result.wallSeconds,
    samplesPerSec: result.samplesPerSec,
    error: result.error ?? "",
    denoVersion: options.versions.deno,
    tfjsVersion: options.versions.tfjs,
    gitCommit: options.versions.gitCommit,
    finishedAt: new Date().toISOString(),
  };
  const curveRows = result.curve.map((p) => [
    run.runId,
    run.method,
    String(run.batchSize),
    String(run.depth),
    String(run.seed),
    String(run.baseLr),
    ...[
      p.step,
      p.epoch,
      p.learningRate,
      p.trainLoss,
      p.testAccuracy,
      p.gradNorm,
      p.layerGradNormMin,
      p.layerGradNormMax,
    ].map(formatNumber),
  ]);
  const rateRows = (traced === undefined ? [] : await traced.points()).map((p) => [
    run.runId,
    String(run.batchSize),
    String(run.depth),
    String(p.step),
    p.layer,
    String(p.layerIndex),
    ...[p.globalLr, p.layerLr, p.weightNorm, p.gradNorm].map(formatNumber),
  ]);
  return { row, curveRows, rateRows };
}

function failedResult(error: string): RunResult {
  return {
    status: "error",
    steps: 0,
    epochs: 0,
    finalTrainLoss: NaN,
    finalTestAccuracy: NaN,
    bestTestAccuracy: NaN,
    stepsToTarget: null,
    maxGradNorm: NaN,
    lossSpikes: 0,
    wallSeconds: 0,
    samplesPerSec: 0,
    curve: [],
    error,
  };
}
