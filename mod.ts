/**
 * Large-batch training methods for TensorFlow.js: LALC (Paik & Choi), LARS, LAMB, the
 * linear scaling rule and WarmUp, as real `tf.Optimizer`s, plus the models, data, training
 * loop, benchmark grid and diagnostics used to compare them.
 *
 * LALC here is a reconstruction from the paper's published description (arXiv 2304.11692;
 * OpenReview BSUoWl5yfv), not the authors' code: see the README for the exact rule.
 *
 * @example Train with LALC, the rate from the linear scaling rule
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { lalc, linearScaling, useBackend } from "./mod.ts";
 *
 * await useBackend("cpu");
 * const w = tf.variable(tf.randomNormal([4, 3], 0, 1, "float32", 1), true, "demo/dense/kernel");
 * const x = tf.randomNormal([8, 4], 0, 1, "float32", 2);
 * const optimizer = lalc({ learningRate: linearScaling(0.1, 1024), weightDecay: 5e-4 });
 * const losses: number[] = [];
 * for (let i = 0; i < 3; i++) {
 *   const loss = optimizer.minimize(() => tf.mean(tf.square(tf.matMul(x, w))), true)!;
 *   losses.push((await loss.data())[0]);
 *   loss.dispose();
 * }
 * assertEquals(losses[2] < losses[0], true); // the loss goes down
 * optimizer.dispose();
 * w.dispose();
 * ```
 *
 * @example A schedule with optax's values step for step
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { warmupCosine } from "./mod.ts";
 * const schedule = warmupCosine({ init: 0, peak: 0.4, warmupSteps: 50, decaySteps: 1000 });
 * assertEquals([schedule(0), schedule(50)], [0, 0.4]);
 * ```
 *
 * @module
 */

// Optimizers and their building blocks (src/optim).
export { lalc, LalcOptimizer, type LalcOptions } from "./src/optim/lalc.ts";
export { lars, LarsOptimizer, type LarsOptions } from "./src/optim/lars.ts";
export { lamb, LambOptimizer, type LambOptions } from "./src/optim/lamb.ts";
export { momentum, MomentumOptimizer, type MomentumOptions } from "./src/optim/momentum.ts";
export {
  constant,
  cosineDecay,
  type LearningRate,
  linearScaling,
  linearSchedule,
  linearWarmup,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
  warmupCosine,
} from "./src/optim/schedule.ts";
export {
  ChainOptimizer,
  type ChainOptimizerParts,
  type NamedTensor,
} from "./src/optim/optimizer.ts";
export {
  chain,
  type GradientTransformation,
  masked,
  type VariablePredicate,
} from "./src/optim/transform.ts";
export { addDecayedWeights } from "./src/optim/decay.ts";
export {
  clipLayerLearningRate,
  type ClipLayerOptions,
  scaleByTrustRatio,
  type TrustRatioOptions,
} from "./src/optim/trust_ratio.ts";
export { scaleByAdam } from "./src/optim/adam.ts";
export { trace } from "./src/optim/trace.ts";
export { scaleByLearningRate } from "./src/optim/learning_rate.ts";
export { DEFAULT_EXCLUDE, type DescribedPredicate, rankAtMost } from "./src/optim/exclude.ts";
export { type LayerStat, LayerStatsRecorder } from "./src/optim/layer_stats.ts";

// Backends (src/backend).
export {
  type BackendInfo,
  backendInfo,
  type BackendName,
  BACKENDS,
  useBackend,
  type UseBackendOptions,
} from "./src/backend/backend.ts";

// Data (src/data).
export type { Dataset, Split } from "./src/data/types.ts";
export { type FashionMnistOptions, loadFashionMnist } from "./src/data/fashion_mnist.ts";
export { loadCifar10 } from "./src/data/cifar10.ts";
export {
  type CorrelationStructure,
  type GaussianInputOptions,
  makeGaussianInputs,
  makeSyntheticDataset,
  type SyntheticOptions,
} from "./src/data/synthetic.ts";
export { type Batch, gatherBatch, shuffledOrder } from "./src/data/batch.ts";

// Models (src/models).
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "./src/models/types.ts";
export { buildModel, MODEL_KINDS } from "./src/models/build.ts";

// Training (src/train).
export type { CurvePoint, RunConfig, RunResult, RunStatus } from "./src/train/types.ts";
export { trainRun } from "./src/train/run.ts";
export { crossEntropy, type StepTensors, trainStep } from "./src/train/step.ts";
export { accuracy } from "./src/train/evaluate.ts";

// Benchmark suite (src/suite).
export {
  type GridProgress,
  type GridRunOptions,
  type GridRunResult,
  runGrid,
} from "./src/suite/runner.ts";
export type { RunRow } from "./src/suite/schema.ts";
export type { Versions } from "./src/suite/meta.ts";
export { presetByName, PRESETS } from "./src/suite/presets.ts";
export { loadGridFile, validateGridSpec } from "./src/suite/grid_spec.ts";
export {
  type DatasetName,
  DATASETS,
  type DatasetSpec,
  type GridSpec,
  type LrGridSpec,
  type MethodName,
  METHODS,
  type PlannedRun,
} from "./src/suite/types.ts";
export {
  type LayerWiseOptions,
  type OptimizerKit,
  type RateFunction,
  type Recipe,
  RECIPES,
  type ScalingRule,
} from "./src/methods/recipes.ts";
export {
  type CellThreshold,
  checkClaims,
  checkThresholds,
  type ClaimResult,
  type GateFailure,
  type PresetThresholds,
} from "./src/suite/gate.ts";
export type { CellSummary } from "./src/suite/select.ts";

// Diagnostics (src/diagnostics).
export {
  type ExplosionConfig,
  type ExplosionResult,
  measureExplosion,
  type ModelBuilder,
  THEORETICAL_RATIO,
} from "./src/diagnostics/explosion.ts";
export { meanPairwiseCosine } from "./src/diagnostics/correlation.ts";
export type { ProbeLoss } from "./src/diagnostics/gradnorms.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export {
  type ConfigDict,
  type NamedTensorMap,
  type Optimizer,
  OptimizerBase,
  type OptimizerConstructor,
  type Scalar,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Variable,
} from "./src/tf_types.ts";
