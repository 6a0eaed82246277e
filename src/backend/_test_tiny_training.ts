/**
 * Test helper: a few SGD steps of a tiny MLP and a tiny CNN (conv -> BN -> ReLU -> 2x2 max-pool
 * -> stride-2 conv -> global mean -> dense, the ops the project's models use), from fixed
 * weights and data, returning the losses so two backends can be compared.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "./backend.ts";
import { randomData } from "./_test_compare.ts";

/** Which tiny network. */
export type TinyKind = "mlp" | "cnn";

function batchNorm(x: tf.Tensor, axes: number[], gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** Runs `steps` SGD steps (learning rate 0.1) on `backend`; returns the loss before each. */
export async function tinyTrainingLosses(
  backend: BackendName,
  kind: TinyKind,
  steps: number,
): Promise<number[]> {
  await useBackend(backend);
  const batch = 8;
  const xShape = kind === "mlp" ? [batch, 12] : [batch, 8, 8, 3];
  const shapes: Record<string, number[]> = kind === "mlp"
    ? { w1: [12, 16], g1: [16], b1: [16], w2: [16, 4], c2: [4] }
    : { w1: [3, 3, 3, 6], g1: [6], b1: [6], k2: [3, 3, 6, 8], w2: [8, 4], c2: [4] };
  const vars: Record<string, tf.Variable> = {};
  let seed = 10;
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((p, q) => p * q);
    const init = name.startsWith("g") ? new Float32Array(size).fill(1) : randomData(size, seed++);
    const value = tf.tensor(init, shape);
    vars[name] = tf.variable(value, true, `tiny_${kind}_${name}_${backend}`);
    value.dispose();
  }
  const x = tf.tensor(randomData(xShape.reduce((p, q) => p * q), 99), xShape);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], "int32"), 4));
  const forward = (): tf.Scalar => {
    let h: tf.Tensor;
    if (kind === "mlp") {
      h = tf.relu(
        batchNorm(tf.matMul(x as tf.Tensor2D, vars.w1 as tf.Tensor2D), [0], vars.g1, vars.b1),
      );
    } else {
      const c1 = tf.conv2d(x as tf.Tensor4D, vars.w1 as tf.Tensor4D, 1, "same");
      const a1 = tf.relu(batchNorm(c1, [0, 1, 2], vars.g1, vars.b1)) as tf.Tensor4D;
      const p1 = tf.maxPool(a1, 2, 2, "valid");
      const c2 = tf.relu(tf.conv2d(p1, vars.k2 as tf.Tensor4D, 2, "same"));
      h = tf.mean(c2, [1, 2]);
    }
    const logits = tf.add(tf.matMul(h as tf.Tensor2D, vars.w2 as tf.Tensor2D), vars.c2);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  const optimizer = tf.train.sgd(0.1);
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(forward, true, Object.values(vars))!;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
  } finally {
    optimizer.dispose();
    tf.dispose([x, labels, ...Object.values(vars)]);
  }
  return losses;
}
