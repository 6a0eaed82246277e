/**
 * Helpers for the model tests: a loss and a few plain SGD steps.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model } from "./types.ts";

/** Mean softmax cross-entropy. */
export function loss(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits) as tf.Scalar;
}

/** Runs `steps` plain SGD steps on one batch; returns the loss before each step. */
export function sgdSteps(
  model: Model,
  x: tf.Tensor,
  y: tf.Tensor1D,
  steps: number,
  lr: number,
): number[] {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => loss(model.forward(x, { training: true }).logits, y),
        model.params,
      );
      losses.push(value.dataSync()[0]);
      for (const p of model.params) p.assign(tf.sub(p, tf.mul(grads[p.name], lr)));
    });
  }
  return losses;
}

/** All values of a tensor as a plain array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
