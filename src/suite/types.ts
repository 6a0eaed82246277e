/**
 * The shapes the benchmark suite passes around: a grid (what to run), a planned run, and
 * the rows it writes.
 *
 * @module
 */
import type { DatasetName } from "../data/by_name.ts";
import type { ModelKind } from "../models/types.ts";
import type { MethodEntry } from "../methods/variants.ts";
import type { Comparison } from "./comparisons.ts";

export { type MethodName, METHODS } from "../methods/names.ts";
export type { MethodEntry, MethodVariant, VariantOverrides } from "../methods/variants.ts";
export type { Comparison } from "./comparisons.ts";
export { type DatasetName, DATASETS } from "../data/by_name.ts";

/** Which data a grid uses. */
export interface DatasetSpec {
  /** `fashion-mnist` (full, from Debian's package or `dataDir`), `fashion-mnist-subset`
   * (the subset shipped in `fixtures/`), `cifar10` (binary files in `dataDir`), `synthetic`. */
  readonly name: DatasetName;
  /** Folder of the data files, when not the default place. */
  readonly dataDir?: string;
  /** Keep only the first this many training samples (0 or absent: all). */
  readonly trainSamples?: number;
  /** Keep only the first this many test samples (0 or absent: all). */
  readonly testSamples?: number;
}

/** How every method's learning rate is tuned: the same log grid of `points` for each. */
export interface LrGridSpec {
  /** Number of learning rates tried per (method, batch size, depth): the tuning budget. */
  readonly points: number;
  /** Ratio between neighbouring rates; the grid is centred on the method's base rate. */
  readonly factor: number;
  /**
   * `first-seed`: every rate runs with the first seed and the other seeds run only at the
   * best one; `first-k-seeds`: every rate runs with the first {@link tuneSeeds} seeds and is
   * scored by their mean validation accuracy, the other seeds run only at the best one;
   * `all-seeds`: every rate runs with every seed (costlier, no selection bias).
   */
  readonly tuneOn: "first-seed" | "first-k-seeds" | "all-seeds";
  /**
   * With `tuneOn: "first-k-seeds"` (and only then): k, how many of the grid's first seeds
   * tune, from 1 to the number of seeds less 2 (at least 2 stay held out).
   */
  readonly tuneSeeds?: number;
}

/** A whole benchmark grid: a preset or a user's `--grid file.json`. */
export interface GridSpec {
  /** Name written in every row (`smoke`, `standard`, `paper`, or the user's). */
  readonly name: string;
  /** A sentence for the README and meta.json: what this grid is for and what it costs. */
  readonly description: string;
  /** Data. */
  readonly dataset: DatasetSpec;
  /** Model family and width; depth comes from `depths`. */
  readonly model: { readonly kind: ModelKind; readonly width: number };
  /** Methods compared: names of {@link METHODS} and variants of them (`variants.ts`). */
  readonly methods: readonly MethodEntry[];
  /** Batch sizes. */
  readonly batchSizes: readonly number[];
  /** Numbers of BN-ReLU blocks. */
  readonly depths: readonly number[];
  /** Seeds (model initialization and data order). */
  readonly seeds: readonly number[];
  /** Epochs of every run (the same for every method and batch size). */
  readonly epochs: number;
  /** Learning-rate tuning. */
  readonly lrGrid: LrGridSpec;
  /** Curve points per run (evaluation every `steps / evalPoints` steps, at least one). */
  readonly evalPoints: number;
  /** Test samples used at intermediate curve points (the final point uses all). */
  readonly evalSamples: number;
  /** Test accuracy counted as reached for `steps_to_target`. */
  readonly targetAccuracy: number;
  /** A run whose loss exceeds this multiple of its first loss is `diverged`. */
  readonly divergenceFactor: number;
  /** Steps of LALC's per-layer learning rate traced for the plot (0: none). */
  readonly traceSteps: number;
  /**
   * The equivalence margin of the claim `small-batch-vs-warmup` (or, with `comparisons`, of
   * those that ask for `equivalence`), as a fraction of accuracy (0.005 = 0.5 points), set
   * before the runs: when present, those rows are also tested for equivalence within
   * +-margin by two one-sided paired t-tests (`claims.ts`). Absent: no equivalence test
   * (every grid recorded before this field).
   */
  readonly equivalenceMargin?: number;
  /**
   * Where the rate grid is centred at some batch sizes, instead of the method's base rate:
   * method or variant name, then batch size, to the centre per 256 samples (before scaling).
   * Absent (every preset but `large-batch`): each method's grid is centred on its recipe's
   * base rate at every batch size.
   */
  readonly lrCentres?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /**
   * The grid's own comparisons for `claims.csv`, replacing the paper's claims (`claims.ts`).
   * Absent: the paper's claims.
   */
  readonly comparisons?: readonly Comparison[];
}

/** One run the grid will do. */
export interface PlannedRun {
  /** Deterministic id: a hash of grid name, method, batch size, depth, seed and rate. */
  readonly runId: string;
  /** The compared method: a name of {@link METHODS} or of one of the grid's variants. */
  readonly method: string;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of BN-ReLU blocks. */
  readonly depth: number;
  /** Seed of the model initialization and the data order. */
  readonly seed: number;
  /** Index of the rate in the method's log grid (0 = smallest). */
  readonly lrIndex: number;
  /** The base rate (per 256 samples, before the method's scaling rule). */
  readonly baseLr: number;
  /** `tune`: a learning-rate tuning run; `seed`: a held-out seed at the tuned rate. */
  readonly phase: "tune" | "seed";
  /** Where the run sits in the search (see `cell_plan.ts`): a tuning run of the initial
   * `grid` or an `extension` beyond its edge; a held-out seed at an `interior` optimum, or at
   * an edge because the search hit its cap (`cap-hit`). */
  readonly search?: SearchFlag;
}

/** The `search` column of a run. */
export type SearchFlag = "grid" | "extension" | "interior" | "cap-hit";
