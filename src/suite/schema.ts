/**
 * The columns of `runs.csv` and `curves.csv` (the output contract, see docs/suite.md) and the
 * typed rows they hold.
 *
 * @module
 */
import type { RunStatus } from "../train/types.ts";

/** Columns of `runs.csv`, in file order. */
export const RUN_COLUMNS = [
  "run_id",
  "preset",
  "dataset",
  "model",
  "depth",
  "width",
  "method",
  "batch_size",
  "phase",
  "lr_index",
  "base_lr",
  "scaled_lr",
  "seed",
  "epochs",
  "steps",
  "backend",
  "status",
  "final_train_loss",
  "final_test_accuracy",
  "best_test_accuracy",
  "val_accuracy",
  "val_samples",
  "test_samples",
  "search",
  "steps_to_target",
  "max_grad_norm",
  "max_grad_norm_after_first",
  "grad_norm_growth",
  "loss_spikes",
  "wall_seconds",
  "samples_per_sec",
  "error",
  "deno_version",
  "tfjs_version",
  "git_commit",
  "finished_at",
] as const;

/**
 * The stability columns after the first update. Folders made before they existed (the
 * committed `results/smoke`, `standard`, `cnn`) have `runs.csv` without them: readers take
 * their value as not recorded (NaN), and such a folder keeps its header when resumed or merged.
 */
export const STABILITY_COLUMNS: readonly string[] = [
  "max_grad_norm_after_first",
  "grad_norm_growth",
];

/**
 * The `runs.csv` headers a folder may have, the current one ({@link RUN_COLUMNS}) first, then
 * those of older versions that are still read.
 */
export const RUN_HEADERS: readonly (readonly string[])[] = [
  RUN_COLUMNS,
  RUN_COLUMNS.filter((c) => !STABILITY_COLUMNS.includes(c)),
];

/** Columns of `curves.csv`, in file order. */
export const CURVE_COLUMNS = [
  "run_id",
  "method",
  "batch_size",
  "depth",
  "seed",
  "base_lr",
  "step",
  "epoch",
  "learning_rate",
  "train_loss",
  "test_accuracy",
  "val_accuracy",
  "grad_norm",
  "layer_grad_norm_min",
  "layer_grad_norm_max",
] as const;

/** Columns of `layer_rates.csv`: LALC's per-layer rate over the first steps of a run. */
export const LAYER_RATE_COLUMNS = [
  "run_id",
  "batch_size",
  "depth",
  "step",
  "layer",
  "layer_index",
  "global_lr",
  "layer_lr",
  "weight_norm",
  "grad_norm",
] as const;

/** One row of `runs.csv`, typed. Numbers are NaN where the CSV cell is empty. */
export interface RunRow {
  /** The `run_id` column. */
  runId: string;
  /** The `preset` column. */
  preset: string;
  /** The `dataset` column. */
  dataset: string;
  /** The `model` column. */
  model: string;
  /** The `depth` column. */
  depth: number;
  /** The `width` column. */
  width: number;
  /** The `method` column: a method of `METHODS` or a variant's name. */
  method: string;
  /** The `batch_size` column. */
  batchSize: number;
  /** The `phase` column. */
  phase: "tune" | "seed";
  /** The `lr_index` column. */
  lrIndex: number;
  /** The `base_lr` column. */
  baseLr: number;
  /** The `scaled_lr` column. */
  scaledLr: number;
  /** The `seed` column. */
  seed: number;
  /** The `epochs` column. */
  epochs: number;
  /** The `steps` column. */
  steps: number;
  /** The `backend` column. */
  backend: string;
  /** The `status` column. */
  status: RunStatus;
  /** The `final_train_loss` column. */
  finalTrainLoss: number;
  /** The `final_test_accuracy` column. */
  finalTestAccuracy: number;
  /** The `best_test_accuracy` column. */
  bestTestAccuracy: number;
  /** The `val_accuracy` column: accuracy on the whole validation split at the end. */
  valAccuracy: number;
  /** The `val_samples` column. */
  valSamples: number;
  /** The `test_samples` column: the test set's size (it is evaluated once, in full). */
  testSamples: number;
  /** The `search` column: where the run sits in the tuning protocol (see `cell_plan.ts`):
   * `grid` / `extension` for tuning runs, `interior` / `cap-hit` for held-out seeds. */
  search: string;
  /** The `steps_to_target` column. */
  stepsToTarget: number | null;
  /** The `max_grad_norm` column: the largest global gradient norm, step 1 included. */
  maxGradNorm: number;
  /** The `max_grad_norm_after_first` column: the largest of steps 2 and later (NaN where the
   * folder does not record it). */
  maxGradNormAfterFirst: number;
  /** The `grad_norm_growth` column: `max_grad_norm_after_first` over step 1's norm (NaN where
   * the folder does not record it). */
  gradNormGrowth: number;
  /** The `loss_spikes` column. */
  lossSpikes: number;
  /** The `wall_seconds` column. */
  wallSeconds: number;
  /** The `samples_per_sec` column. */
  samplesPerSec: number;
  /** The `error` column. */
  error: string;
  /** The `deno_version` column. */
  denoVersion: string;
  /** The `tfjs_version` column. */
  tfjsVersion: string;
  /** The `git_commit` column. */
  gitCommit: string;
  /** The `finished_at` column. */
  finishedAt: string;
}

const camel = (c: string): string => c.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

const STRING_COLUMNS = new Set([
  "run_id",
  "preset",
  "dataset",
  "model",
  "method",
  "phase",
  "backend",
  "status",
  "search",
  "error",
  "deno_version",
  "tfjs_version",
  "git_commit",
  "finished_at",
]);

/** A number as a CSV cell: empty for NaN, `inf`/`-inf` for infinities, else full precision. */
export function formatNumber(x: number | null): string {
  if (x === null || Number.isNaN(x)) return "";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return String(x);
}

/** The inverse of {@link formatNumber}. */
export function parseNumber(cell: string | undefined): number {
  if (cell === undefined || cell === "") return NaN;
  if (cell === "inf") return Infinity;
  if (cell === "-inf") return -Infinity;
  return Number(cell);
}

/** `row` as CSV cells in `columns` order (default {@link RUN_COLUMNS}; a folder of an older
 * version passes its own header). Newlines in text become spaces so every record is exactly
 * one line (the resume logic relies on it). */
export function runRowCells(
  row: RunRow,
  columns: readonly string[] = RUN_COLUMNS,
): string[] {
  const r = row as unknown as Record<string, unknown>;
  return columns.map((c) => {
    const v = r[camel(c)];
    if (STRING_COLUMNS.has(c)) return String(v ?? "").replace(/[\r\n]+/g, " ");
    return formatNumber(v as number | null);
  });
}

/** A parsed `runs.csv` record (column name to cell) as a typed row; a column the record lacks
 * (a folder of an older version) reads as an empty cell: NaN, or "" for text. */
export function runRowFromRecord(record: Record<string, string>): RunRow {
  const out: Record<string, unknown> = {};
  for (const c of RUN_COLUMNS) {
    const cell = record[c] ?? "";
    out[camel(c)] = STRING_COLUMNS.has(c) ? cell : parseNumber(cell);
  }
  if (Number.isNaN(out.stepsToTarget)) out.stepsToTarget = null;
  return out as unknown as RunRow;
}
