/**
 * Inputs and outputs of one training run.
 *
 * @module
 */
import type { Dataset } from "../data/types.ts";
import type { ModelSpec } from "../models/types.ts";
import type { Optimizer } from "../tf_types.ts";

/** Everything one run needs. The optimizer is made by the caller's factory. */
export interface RunConfig {
  /** The data, already loaded. */
  readonly dataset: Dataset;
  /** The model to build (fresh, seeded, for this run). */
  readonly model: ModelSpec;
  /** Builds the optimizer once the run knows its length; `totalSteps` is for schedules. */
  readonly makeOptimizer: (totalSteps: number, stepsPerEpoch: number) => Optimizer;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of epochs; ignored when `steps` is set. */
  readonly epochs?: number;
  /** Exact number of optimizer steps (overrides `epochs`). */
  readonly steps?: number;
  /** Seed of the data order. */
  readonly seed: number;
  /** Evaluate (test accuracy, curve point) every this many steps; 0: only at the end. */
  readonly evalEvery?: number;
  /** Cap on test samples evaluated at each point (the last evaluation uses all). */
  readonly evalSamples?: number;
  /** Test accuracy the preset calls reached (for `stepsToTarget`). */
  readonly targetAccuracy?: number;
  /** Loss above `divergenceFactor * initial loss` (or NaN/Inf) ends the run as diverged. Default 10. */
  readonly divergenceFactor?: number;
  /** Called at each evaluation point. */
  readonly onPoint?: (point: CurvePoint) => void;
}

/** One evaluation point of a run. */
export interface CurvePoint {
  /** Optimizer steps done. */
  readonly step: number;
  /** Fractional epochs done. */
  readonly epoch: number;
  /** Learning rate of the last step (the schedule's value). */
  readonly learningRate: number;
  /** Mean training loss since the previous point. */
  readonly trainLoss: number;
  /** Test accuracy at this point (NaN when not evaluated). */
  readonly testAccuracy: number;
  /** Global gradient norm of the last step. */
  readonly gradNorm: number;
  /** Smallest per-layer kernel gradient norm of the last step. */
  readonly layerGradNormMin: number;
  /** Largest per-layer kernel gradient norm of the last step. */
  readonly layerGradNormMax: number;
}

/** How a run ended. */
export type RunStatus = "ok" | "diverged" | "error";

/** What one run produced. */
export interface RunResult {
  /** `ok`, `diverged` (NaN/Inf or exploding loss) or `error` (an exception, kept in `error`). */
  readonly status: RunStatus;
  /** Steps actually done. */
  readonly steps: number;
  /** Epochs actually done (fractional). */
  readonly epochs: number;
  /** Mean training loss over the last evaluation interval. */
  readonly finalTrainLoss: number;
  /** Test accuracy at the end (NaN when diverged before any evaluation). */
  readonly finalTestAccuracy: number;
  /** Best test accuracy seen at any evaluation point. */
  readonly bestTestAccuracy: number;
  /** First step at which test accuracy reached the target, or null. */
  readonly stepsToTarget: number | null;
  /** Largest global gradient norm seen. */
  readonly maxGradNorm: number;
  /** Steps whose loss exceeded 2x the running median of recent losses. */
  readonly lossSpikes: number;
  /** Wall-clock seconds of training (evaluation excluded). */
  readonly wallSeconds: number;
  /** Training samples per second. */
  readonly samplesPerSec: number;
  /** Evaluation points. */
  readonly curve: CurvePoint[];
  /** Error message when status is `error`. */
  readonly error?: string;
}
