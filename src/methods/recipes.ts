/**
 * The method recipes: every choice that distinguishes one compared method from another, in
 * one table so a reader sees them all at once.
 *
 * Shared by every method (the fairness rules of the benchmark): the same epochs, the same
 * data order (the run's seed), no weight decay on any method (the docs/method.md default for
 * LALC, and so for all), the same cosine decay to zero over the run, and the same number of
 * tuned learning rates on a log grid around each method's base rate.
 *
 * @module
 */
import type { MethodName } from "./names.ts";
import { linearScaling } from "../optim/schedule.ts";
import type { Optimizer } from "../tf_types.ts";

/**
 * The version of the method recipes below. It is part of every run id (`plan.ts`), so a
 * folder started before a recipe changed is not resumed as if its runs were done: raise it
 * whenever a recipe, a scaling rule or a schedule changes what a run computes.
 */
export const METHOD_RECIPE_VERSION = 1;

/** A learning-rate schedule: optimizer step (0-based) to rate. */
export type RateFunction = (step: number) => number;

/** What a recipe sets of a layer-wise optimizer (LALC, LARS, LAMB). */
export interface LayerWiseOptions {
  /** The global rate or schedule. */
  learningRate: number | RateFunction;
  /** Keep each step's per-tensor rates for `layerStats()` (traces and plots). */
  recordLayerStats?: boolean;
}

/** The optimizers and schedules a recipe is built from (src/optim, injected for tests). */
export interface OptimizerKit {
  /** LALC (docs/method.md): per-layer rate clipped into `[rho*eta, maxRatio*eta]`. */
  lalc(
    options: LayerWiseOptions & { momentum?: number; trustCoefficient?: number; minRatio?: number },
  ): Optimizer;
  /** LARS as optax.lars. */
  lars(options: LayerWiseOptions & { momentum?: number; trustCoefficient?: number }): Optimizer;
  /** LAMB as optax.lamb. */
  lamb(options: LayerWiseOptions): Optimizer;
  /** Momentum SGD with tf.js semantics, or with the rate inside the buffer (`rateInBuffer`). */
  momentum(
    options: { learningRate: number | RateFunction; momentum?: number; rateInBuffer?: boolean },
  ): Optimizer;
  /** optax.warmup_cosine_decay_schedule. */
  warmupCosine(options: {
    init: number;
    peak: number;
    warmupSteps: number;
    decaySteps: number;
    end: number;
  }): RateFunction;
  /** optax.cosine_decay_schedule. */
  cosineDecay(options: { init: number; decaySteps: number; alpha: number }): RateFunction;
}

/** How a method's rate grows with the batch size. */
export type ScalingRule = "linear" | "sqrt";

/** Everything that defines one method of the comparison. */
export interface Recipe {
  /** What the method is, in one line (printed by `grid --help` and in meta.json). */
  readonly summary: string;
  /** Which optimizer of the kit. */
  readonly optimizer: "lalc" | "lars" | "lamb" | "momentum";
  /** `linear`: Goyal et al.'s rule (`linearScaling` of src/optim/schedule.ts); `sqrt`: eta = base * sqrt(B / 256). */
  readonly scaling: ScalingRule;
  /** Gradual linear warmup from 0 over this fraction of the run, then cosine decay. */
  readonly warmupFraction: number;
  /** Centre of the learning-rate grid, per 256 samples (before scaling). */
  readonly baseLr: number;
  /** `kappa` of LALC or LARS; absent: the optimizer's default (a variant sets it). */
  readonly trustCoefficient?: number;
  /** LALC's floor `rho`; absent: LALC's default (a variant sets it). */
  readonly minRatio?: number;
  /**
   * Momentum SGD's rate inside the buffer (`momentum`'s `rateInBuffer`); absent or false:
   * tf.js's form, the rate outside it (a variant sets it).
   */
  readonly rateInBuffer?: boolean;
}

/** A method named by its name, or its recipe (a variant's, see `variants.ts`). */
export type MethodRef = MethodName | Recipe;

const recipe = (method: MethodRef): Recipe => typeof method === "string" ? RECIPES[method] : method;

/**
 * Goyal et al. warm up for 5 of 90 epochs; scaled to the run's length (docs/method.md).
 * LARS and LAMB use the same warmup length, as they are run in practice (You et al.).
 */
export const WARMUP_FRACTION = 5 / 90;

/** Momentum of every momentum-based method (the common 0.9 of all the papers compared). */
export const MOMENTUM = 0.9;

/**
 * The recipes. Base rates are the centres of the tuning grid. The first centres came from
 * the magnitudes the methods' papers use (0.1 per 256 for momentum SGD, Goyal et al.; about
 * 1 for LARS with trust coefficient 0.001; 0.005 for LAMB with square-root scaling, You et
 * al. 2020). The smoke preset (results/smoke before this change, 3 rates a factor sqrt(10)
 * apart) then put the best rate of LAMB at the top of its grid in 4 of 4 cells, of LARS in
 * 3 of 4 and of LALC in 3 of 4, while momentum SGD (linear-scaling, warmup) peaked inside
 * its grid. So LAMB, LARS and LALC were moved one grid step (x sqrt(10)) up: every method's
 * grid is now centred where the smoke runs found its best rate, by the same rule.
 */
export const RECIPES: Readonly<Record<MethodName, Recipe>> = {
  lalc: {
    summary: "LALC, linearly scaled rate, no warmup, cosine decay",
    optimizer: "lalc",
    scaling: "linear",
    warmupFraction: 0,
    baseLr: 0.316228,
  },
  lars: {
    summary: "LARS, linearly scaled rate, gradual warmup, cosine decay",
    optimizer: "lars",
    scaling: "linear",
    warmupFraction: WARMUP_FRACTION,
    baseLr: 3.16228,
  },
  lamb: {
    summary: "LAMB, square-root scaled rate, gradual warmup, cosine decay",
    optimizer: "lamb",
    scaling: "sqrt",
    warmupFraction: WARMUP_FRACTION,
    baseLr: 0.0158114,
  },
  "linear-scaling": {
    summary: "momentum SGD, linearly scaled rate, no warmup, cosine decay",
    optimizer: "momentum",
    scaling: "linear",
    warmupFraction: 0,
    baseLr: 0.1,
  },
  warmup: {
    summary: "momentum SGD, linearly scaled rate, gradual warmup (Goyal et al.), cosine decay",
    optimizer: "momentum",
    scaling: "linear",
    warmupFraction: WARMUP_FRACTION,
    baseLr: 0.1,
  },
};

/** The batch size the base rates refer to (Goyal et al.). */
export const REFERENCE_BATCH = 256;

/**
 * The rate a method uses at batch size `batchSize` for base rate `baseLr`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { scaledLearningRate } from "./recipes.ts";
 * assertEquals(scaledLearningRate("warmup", 0.1, 1024), 0.4);
 * ```
 */
export function scaledLearningRate(method: MethodRef, baseLr: number, batchSize: number): number {
  return recipe(method).scaling === "linear"
    ? linearScaling(baseLr, batchSize, REFERENCE_BATCH)
    : baseLr * Math.sqrt(batchSize / REFERENCE_BATCH);
}

/**
 * The base rate at position `lrIndex` of `method`'s log grid of `points` values spaced by
 * `factor`, centred on the recipe's base rate. Index 0 is the grid's smallest rate; the
 * search of `cell_plan.ts` extends the grid beyond it with negative indices and indices of
 * `points` and above.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { rateAtIndex } from "./recipes.ts";
 * assertEquals(rateAtIndex("warmup", -1, 3, 10), 0.001); // one step below the grid [0.01, 0.1, 1]
 * ```
 */
export function rateAtIndex(
  method: MethodRef,
  lrIndex: number,
  points: number,
  factor: number,
): number {
  const centre = recipe(method).baseLr;
  const mid = (points - 1) / 2;
  // Rounded to 6 significant digits so the rate (part of the run id) prints the same everywhere.
  return Number((centre * factor ** (lrIndex - mid)).toPrecision(6));
}

/**
 * The base rates tried for `method`: `points` values spaced by `factor` on a log scale,
 * centred on the recipe's base rate (smallest first).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { learningRateGrid } from "./recipes.ts";
 * // Around warmup's base rate 0.1, a factor 10 apart (rounded to 6 significant digits).
 * assertEquals(learningRateGrid("warmup", 3, 10).map((r) => Number(r.toPrecision(6))), [0.01, 0.1, 1]);
 * ```
 */
export function learningRateGrid(method: MethodRef, points: number, factor: number): number[] {
  return Array.from({ length: points }, (_, i) => rateAtIndex(method, i, points, factor));
}

/** The schedule of a method at peak rate `peak` over `totalSteps` steps. */
export function methodSchedule(
  kit: OptimizerKit,
  method: MethodRef,
  peak: number,
  totalSteps: number,
): RateFunction {
  const fraction = recipe(method).warmupFraction;
  // At least one warmup step, and at least one step left to decay over.
  const warmupSteps = fraction > 0
    ? Math.min(Math.max(1, Math.round(fraction * totalSteps)), totalSteps - 1)
    : 0;
  if (warmupSteps <= 0) return kit.cosineDecay({ init: peak, decaySteps: totalSteps, alpha: 0 });
  return kit.warmupCosine({
    init: 0,
    peak,
    warmupSteps,
    decaySteps: totalSteps,
    end: 0,
  });
}

/**
 * The `makeOptimizer` of a run (see `RunConfig`): builds the method's optimizer once the run
 * knows its length.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { optimizerKit } from "./kit.ts";
 * import { optimizerFactory } from "./recipes.ts";
 * const make = optimizerFactory(optimizerKit, "lalc", 0.4);
 * const optimizer = make(1000, 100) as ChainOptimizer;
 * // LALC's recipe: a cosine decay from the peak to zero over the run, without warmup.
 * assertEquals([optimizer.learningRateAt(0), optimizer.learningRateAt(1000)], [0.4, 0]);
 * optimizer.dispose();
 * ```
 */
export function optimizerFactory(
  kit: OptimizerKit,
  method: MethodRef,
  scaledLr: number,
  recordLayerStats = false,
): (totalSteps: number, stepsPerEpoch: number) => Optimizer {
  // Only asked for when wanted: the kit's fakes in tests see the recipes' options alone.
  const record = recordLayerStats ? { recordLayerStats } : {};
  const r = recipe(method);
  // A variant's settings, only where it sets them: a method's optimizer keeps its defaults.
  const kappa = r.trustCoefficient === undefined ? {} : { trustCoefficient: r.trustCoefficient };
  const floor = r.minRatio === undefined ? {} : { minRatio: r.minRatio };
  const form = r.rateInBuffer === true ? { rateInBuffer: true } : {};
  return (totalSteps) => {
    const learningRate = methodSchedule(kit, r, scaledLr, totalSteps);
    switch (r.optimizer) {
      case "lalc":
        return kit.lalc({ learningRate, momentum: MOMENTUM, ...kappa, ...floor, ...record });
      case "lars":
        return kit.lars({ learningRate, momentum: MOMENTUM, ...kappa, ...record });
      case "lamb":
        return kit.lamb({ learningRate, ...record });
      case "momentum":
        return kit.momentum({ learningRate, momentum: MOMENTUM, ...form });
    }
  };
}
