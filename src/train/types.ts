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
  /** Cap on validation samples evaluated at each intermediate point (the last evaluation uses
   * the whole validation split and the whole test set). Without a validation split the
   * intermediate points use the test set, as the train command does. */
  readonly evalSamples?: number;
  /** Accuracy the preset calls reached (for `stepsToTarget`; on validation when there is a
   * validation split). */
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
  /** Test accuracy at this point: with a validation split only the last point has one (the
   * test set is evaluated once, at the end); NaN when not evaluated. */
  readonly testAccuracy: number;
  /** Validation accuracy at this point (NaN without a validation split). */
  readonly valAccuracy: number;
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
  /** Accuracy on the whole test set at the end (NaN when the run did not finish `ok`). */
  readonly finalTestAccuracy: number;
  /** Best test accuracy seen at any evaluation point (with a validation split the test set
   * is evaluated once, so this equals `finalTestAccuracy`). */
  readonly bestTestAccuracy: number;
  /** Accuracy on the whole validation split at the end (NaN when the run did not finish `ok`
   * or there is no validation split). */
  readonly valAccuracy: number;
  /** Validation samples behind `valAccuracy` (0 without a validation split). */
  readonly valSamples: number;
  /** Test samples behind `finalTestAccuracy` (the whole test set). */
  readonly testSamples: number;
  /** First step at which accuracy (validation when there is a split) reached the target, or
   * null. */
  readonly stepsToTarget: number | null;
  /** Largest global gradient norm seen, step 1 included (so often the initialization's). */
  readonly maxGradNorm: number;
  /** Largest global gradient norm of steps 2 and later: after the first update, where the
   * methods' weights differ. Infinity when one was not finite; NaN with fewer than 2 steps. */
  readonly maxGradNormAfterFirst: number;
  /** `maxGradNormAfterFirst` divided by step 1's norm (scale-free; Infinity when either was
   * not finite; NaN with fewer than 2 steps). */
  readonly gradNormGrowth: number;
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
