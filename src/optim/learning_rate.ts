/**
 * The learning-rate step of a chain.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import type { GradientTransformation } from "./transform.ts";

/**
 * Scales updates by `-eta(t)` (optax `scale_by_learning_rate`, flip_sign=True): the chain
 * then ADDS its output to the parameters, so this is plain gradient descent `w -= eta * u`.
 * `learningRate` is a number or a schedule evaluated at the 0-based step.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * import { cosineDecay } from "@lalc/large-batch";
 * const sgd = scaleByLearningRate(cosineDecay({ init: 0.1, decaySteps: 1000 }));
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2]));
 * new ChainOptimizer(sgd).minimize(() => tf.sum(tf.square(w))); // gradient 2w = 2
 * assertEquals([...await w.data()].map((v) => Math.round(v * 1e6) / 1e6), [0.8, 0.8]); // 1 - 0.1 * 2
 * ```
 */
export function scaleByLearningRate(learningRate: LearningRate): GradientTransformation {
  const rate = toRateFunction("scaleByLearningRate", learningRate);
  return {
    init: () => [],
    stateSize: () => 0,
    update(updates, _state, _params, step) {
      const scale = tf.scalar(-rate(step));
      return updates.map((u) => tf.mul(u, scale));
    },
  };
}
