/**
 * One run of a grid, from its plan to its CSV rows: what the parent thread runs with one
 * worker and what each worker thread runs with many (`worker_pool.ts`).
 *
 * @module
 */
import type { Dataset } from "../data/types.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import { methodSchedule, optimizerFactory, scaledLearningRate } from "../methods/recipes.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import { recipeOf } from "../methods/variants.ts";
import { traceLayerRates } from "./layer_rates.ts";
import type { LayerRatePoint, LayerRateTrace } from "./layer_rates.ts";
import type { Versions } from "./meta.ts";
import { formatNumber } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/** What running one run needs. */
export interface RunContext {
  /** The grid. */
  readonly grid: GridSpec;
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
}

/** A finished run as the rows it adds to the three CSV files. */
export interface ExecutedRun {
  /** Its `runs.csv` row. */
  readonly row: RunRow;
  /** Its `curves.csv` rows, cells in column order. */
  readonly curveRows: string[][];
  /** Its `layer_rates.csv` rows, cells in column order. */
  readonly rateRows: string[][];
  /**
   * Set when the run died of an error that leaves the backend unusable (see
   * {@link isFatalBackendError}): the thread that ran it must not run another.
   */
  readonly fatal?: string;
}

/**
 * Whether `error` leaves the backend of its thread unusable. A WebAssembly trap (wasm's
 * out-of-memory `memory access out of bounds`, an Emscripten `Aborted()`) leaves the module's
 * heap in an unknown state: every later run in the same thread failed with it in the probe of
 * issue 23, including one that trains fine alone. Ordinary errors (bad configuration, a
 * diverged loss) leave the backend as it was.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { isFatalBackendError } from "./execute.ts";
 * assertEquals(isFatalBackendError(new WebAssembly.RuntimeError("unreachable")), true);
 * assertEquals(isFatalBackendError(new Error("Aborted(). Build with -sASSERTIONS")), true);
 * assertEquals(isFatalBackendError(new Error("batch 64 > 32 training samples")), false);
 * ```
 */
export function isFatalBackendError(error: unknown): boolean {
  if (error instanceof WebAssembly.RuntimeError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /\bAborted\(|memory access out of bounds/.test(message);
}

/** The number of optimizer steps a run of `grid` does at `batchSize` on `trainCount` samples. */
export function plannedSteps(grid: GridSpec, batchSize: number, trainCount: number): number {
  const perEpoch = Math.floor(trainCount / batchSize);
  return Math.max(1, Math.round(grid.epochs * perEpoch));
}

/** Trains one planned run and turns its result into CSV rows; never throws. */
export async function executeRun(
  options: RunContext,
  run: PlannedRun,
): Promise<ExecutedRun> {
  const { grid, dataset } = options;
  const recipe = recipeOf(grid, run.method);
  const scaledLr = scaledLearningRate(recipe, run.baseLr, run.batchSize);
  const totalSteps = plannedSteps(grid, run.batchSize, dataset.train.count);
  let traced: LayerRateTrace | undefined;
  const trace = run.method === "lalc" && run.phase === "tune" && run.seed === grid.seeds[0] &&
    grid.traceSteps > 0;
  const make = optimizerFactory(options.kit, recipe, scaledLr, trace);
  const config: RunConfig = {
    dataset,
    model: { kind: grid.model.kind, depth: run.depth, width: grid.model.width, seed: run.seed },
    makeOptimizer: (steps, perEpoch) => {
      const optimizer = make(steps, perEpoch);
      if (!trace) return optimizer;
      // The same schedule the factory gave the optimizer (methodSchedule is deterministic).
      const rateAt = methodSchedule(options.kit, recipe, scaledLr, steps);
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
  let fatal: string | undefined;
  try {
    result = await options.runFn(config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    result = failedResult(message);
    if (isFatalBackendError(e)) fatal = message;
  }
  // A fatal error's trace may be half-read from a broken backend: its points are dropped,
  // and reads that fail later are caught here rather than ending the thread as unhandled.
  if (fatal !== undefined) traced?.points().catch(() => {});
  const points = traced === undefined || fatal !== undefined ? [] : await traced.points();
  const rows = runRows(options, run, result, points);
  return fatal === undefined ? rows : { ...rows, fatal };
}

/**
 * The CSV rows of `run` that ended with `result` (and `traced` layer rates). The parent
 * uses it for a run whose worker died.
 */
export function runRows(
  options: Omit<RunContext, "runFn" | "kit">,
  run: PlannedRun,
  result: RunResult,
  traced: readonly LayerRatePoint[] = [],
): ExecutedRun {
  const { grid, dataset } = options;
  const scaledLr = scaledLearningRate(recipeOf(grid, run.method), run.baseLr, run.batchSize);
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
    valAccuracy: result.valAccuracy,
    valSamples: result.valSamples,
    testSamples: result.testSamples,
    search: run.search ?? "",
    stepsToTarget: result.stepsToTarget,
    maxGradNorm: result.maxGradNorm,
    maxGradNormAfterFirst: result.maxGradNormAfterFirst,
    gradNormGrowth: result.gradNormGrowth,
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
      p.valAccuracy,
      p.gradNorm,
      p.layerGradNormMin,
      p.layerGradNormMax,
    ].map(formatNumber),
  ]);
  const rateRows = traced.map((p) => [
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

/** The result of a run that threw `error` before it finished. */
export function failedResult(error: string): RunResult {
  return {
    status: "error",
    steps: 0,
    epochs: 0,
    finalTrainLoss: NaN,
    finalTestAccuracy: NaN,
    bestTestAccuracy: NaN,
    valAccuracy: NaN,
    valSamples: 0,
    testSamples: 0,
    stepsToTarget: null,
    maxGradNorm: NaN,
    maxGradNormAfterFirst: NaN,
    gradNormGrowth: NaN,
    lossSpikes: 0,
    wallSeconds: 0,
    samplesPerSec: 0,
    curve: [],
    error,
  };
}
