/**
 * A test double of the optimizer kit: plain SGD optimizers that record what each recipe
 * asked for. Tests only (the recipes' tests here, the grid runner's in src/suite).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { OptimizerKit, RateFunction } from "./recipes.ts";

/** A recorded optimizer construction. */
export interface BuiltOptimizer {
  readonly kind: string;
  readonly learningRate: RateFunction | number;
}

/** A kit whose optimizers are plain SGD, recording what each method asked for. */
export function recordingKit(built: BuiltOptimizer[]): OptimizerKit {
  const make = (kind: string) => (o: { learningRate: number | RateFunction }) => {
    built.push({ kind, learningRate: o.learningRate });
    // The peak of the schedule over a 10-step run, so a fake run can read "its rate".
    const lr = o.learningRate;
    const peak = typeof lr === "number"
      ? lr
      : Math.max(...Array.from({ length: 10 }, (_, i) => lr(i)));
    return tf.train.sgd(peak);
  };
  return {
    lalc: make("lalc"),
    lars: make("lars"),
    lamb: make("lamb"),
    momentum: make("momentum"),
    warmupCosine: (o) => (step: number) =>
      step < o.warmupSteps ? o.init + (o.peak - o.init) * step / o.warmupSteps : o.peak * 0.5 *
        (1 + Math.cos(Math.PI * (step - o.warmupSteps) / (o.decaySteps - o.warmupSteps))),
    cosineDecay: (o) => (step: number) =>
      o.init * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, o.decaySteps) / o.decaySteps)),
  };
}
