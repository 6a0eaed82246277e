/**
 * LALC (Paik & Choi), the layer-wise adaptive learning-rate method, for TensorFlow.js, with
 * the methods it is compared with: LARS and LAMB (optax's formulas; docs/method.md lists the
 * defaults that differ), momentum SGD with
 * a schedule, and learning-rate schedules including the linear scaling rule and WarmUp. Each
 * is a real `tf.Optimizer` for `model.compile`, `minimize` and `applyGradients`.
 *
 * Where to start:
 *
 * - `lalc(options)`: the LALC optimizer (`lars`, `lamb`, `momentum` alike).
 * - `linearScaling`, `warmupCosine` and the other schedules: a learning rate that changes
 *   with the step.
 * - `fileSystem(dir)`: save a model with its optimizer state to a folder, and load it back.
 * - `chain`, `masked`, `scaleByTrustRatio`, `clipLayerLearningRate`, ... with
 *   `ChainOptimizer`: the optax-style transformations the optimizers are built from.
 *
 * This entry imports only `@tensorflow/tfjs-core`: it registers no backend and changes no
 * global state except tf.js's serialization registry (it registers `LALC`, `LARS`, `LAMB` and
 * `ScheduledMomentum`, in `src/optim/register.ts`, so a saved model finds them: import this
 * entry before `tf.loadLayersModel`). Load tf.js
 * as you usually do: `@tensorflow/tfjs` brings the gradients `minimize` needs, the layers and
 * its backends. The benchmark suite, diagnostics, training loop, data, models and backend
 * helpers are separate entries: `@lalc/large-batch/suite`, `/diagnostics`, `/train`, `/data`,
 * `/models` and `/backend`.
 *
 * LALC here is a reconstruction from the paper's published description (arXiv 2304.11692;
 * OpenReview BSUoWl5yfv), not the authors' code: docs/method.md gives the exact rule.
 *
 * @example Train with LALC, the rate from the linear scaling rule
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs"; // core, gradients, layers, cpu and webgl backends
 * import { lalc, linearScaling } from "@lalc/large-batch";
 *
 * await tf.setBackend("cpu");
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
 * import { warmupCosine } from "@lalc/large-batch";
 * const schedule = warmupCosine({ init: 0, peak: 0.4, warmupSteps: 50, decaySteps: 1000 });
 * assertEquals([schedule(0), schedule(50)], [0, 0.4]);
 * ```
 *
 * @module
 */

// LALC first, then the optimizers it is compared with (src/optim).
// Registers LALC, LARS, LAMB and ScheduledMomentum for deserialization (tf.loadLayersModel).
import "./src/optim/register.ts";
export { OPTIMIZER_CLASSES, registerOptimizers } from "./src/optim/register.ts";
export { lalc, LALC_DEFAULTS, LalcOptimizer, type LalcOptions } from "./src/optim/lalc.ts";
export { lars, LARS_DEFAULTS, LarsOptimizer, type LarsOptions } from "./src/optim/lars.ts";
export { lamb, LAMB_DEFAULTS, LambOptimizer, type LambOptions } from "./src/optim/lamb.ts";
export {
  momentum,
  MOMENTUM_DEFAULTS,
  MomentumOptimizer,
  type MomentumOptions,
} from "./src/optim/momentum.ts";
export { NON_FINITE_POLICIES, type NonFinitePolicy } from "./src/optim/non_finite.ts";
export {
  constant,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  type LearningRate,
  linearScaling,
  linearSchedule,
  linearWarmup,
  piecewiseConstant,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
  warmupCosine,
} from "./src/optim/schedule.ts";

// The fused training kernels (on by default) or the unfused reference path (src/kernels).
export { fusedKernelsEnabled, setFusedKernels } from "./src/kernels/switch.ts";

// Saving a model and its optimizer state to disk under Deno (src/io).
export { fileSystem, type IOHandler } from "./src/io/file_system.ts";

// The building blocks: the tf.Optimizer adapter and the optax-style transformations.
export {
  ChainOptimizer,
  type ChainOptimizerParts,
  inheritsFrom,
  type NamedTensor,
} from "./src/optim/optimizer.ts";
export type { FusedUpdate } from "./src/optim/fused_update.ts";
export {
  chain,
  type GradientTransformation,
  masked,
  type VariablePredicate,
} from "./src/optim/transform.ts";
export { addDecayedWeights } from "./src/optim/decay.ts";
export { clipByGlobalNorm } from "./src/optim/clip.ts";
export {
  clipLayerLearningRate,
  type ClipLayerOptions,
  scaleByTrustRatio,
  type TrustRatioOptions,
} from "./src/optim/trust_ratio.ts";
export { scaleByAdam } from "./src/optim/adam.ts";
export { trace } from "./src/optim/trace.ts";
export { scaleByLearningRate } from "./src/optim/learning_rate.ts";
export {
  allOf,
  allTensors,
  anyOf,
  DEFAULT_MASK,
  type DescribedMask,
  type MaskConfig,
  maskFromConfig,
  nameMatches,
  not,
  rankAbove,
  rankAtMost,
} from "./src/optim/mask.ts";
export { type LayerStat, LayerStatsRecorder } from "./src/optim/layer_stats.ts";
export {
  isLayerwiseOptimizer,
  type LayerwiseMethod,
  type LayerwiseOptimizer,
} from "./src/optim/layerwise.ts";

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
