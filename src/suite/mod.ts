/**
 * The benchmark suite: presets, method recipes, the resumable grid runner, its CSV schema,
 * the gate (thresholds and the paper's claims), and the reproducibility check (re-run rows of a
 * results folder and compare them with the committed ones).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { presetByName } from "./mod.ts";
 * assertEquals(presetByName("smoke").batchSizes, [32, 512]);
 * ```
 *
 * @module
 */
export { type GridProgress, type GridRunOptions, type GridRunResult, runGrid } from "./runner.ts";
export type { RunRow } from "./schema.ts";
export type { ShardSpec, Versions } from "./meta.ts";
export { presetByName, PRESETS } from "./presets.ts";
export { loadGridFile, validateGridSpec } from "./grid_spec.ts";
export {
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  type GridSpec,
  type LrGridSpec,
  type MethodName,
  METHODS,
  type PlannedRun,
  type SearchFlag,
} from "./types.ts";
export {
  type LayerWiseOptions,
  type OptimizerKit,
  type RateFunction,
  type Recipe,
  RECIPES,
  type ScalingRule,
} from "../methods/recipes.ts";
export {
  entryName,
  type MethodEntry,
  type MethodVariant,
  recipeOf,
  type VariantOverrides,
} from "../methods/variants.ts";
export type { BatchChoice, Comparison } from "./comparisons.ts";
export {
  type CellThreshold,
  checkThresholds,
  type GateFailure,
  type PresetThresholds,
} from "./gate.ts";
export {
  CLAIM_ALPHA,
  type ClaimOptions,
  type ClaimRow,
  claimRows,
  CLAIMS,
  EQUIVALENCE_CLAIM,
  testsEquivalence,
  type Verdict,
} from "./claims.ts";
export { type Interval, tInterval } from "../stats/stats.ts";
export { checkProtocol, type ProtocolCheck, type ProtocolInput } from "./protocol_check.ts";
export type { CellSummary } from "./select.ts";
export {
  backendTolerance,
  type CommittedFolder,
  driftCause,
  type KernelComparison,
  kernelComparison,
  readCommitted,
  ReproduceError,
  reproduceFolder,
  type ReproduceOptions,
  type ReproduceReport,
  type RowChoice,
  type ToleranceSection,
} from "./reproduce.ts";
export {
  BIT_EXACT,
  compareRun,
  describeDrift,
  driftCsv,
  type DriftRow,
  type Tolerance,
} from "./drift.ts";

// Types of other entries that the signatures above name (the same types as there).
export { type BackendName, BACKENDS } from "../backend/backend.ts";
export type { KernelIdentity } from "../backend/kernel_identity.ts";
export type { NativeKernelMode } from "../backend/native_ffi.ts";
export type { Dataset, Split } from "../data/types.ts";
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "../models/types.ts";
export { MODEL_KINDS } from "../models/types.ts";
export type { CurvePoint, RunConfig, RunResult, RunStatus } from "../train/types.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
