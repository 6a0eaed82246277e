/**
 * One optimizer step: loss, gradients, per-layer gradient norms, update. The loss (with its
 * gradient) and the norms are fused kernels where the backend has them (two and two), else
 * tf.js' own ops; `setFusedKernels(false)` forces the latter.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedKernelsEnabled } from "../kernels/switch.ts";
import { softmaxCrossEntropy } from "../kernels/softmax_cross_entropy/softmax_cross_entropy.ts";
import { stepNorms } from "../kernels/step_norms/step_norms.ts";
import type { Model } from "../models/types.ts";
import type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";

/** What one step leaves on the device for the caller to read when it wants to. */
export interface StepTensors {
  /** Mean softmax cross-entropy of the batch, before the update. */
  readonly loss: Scalar;
  /**
   * `[layers + 1]`: the gradient norm of each weight layer's kernel (forward order, as in
   * `model.layers`), then the global gradient norm over all trainable variables.
   */
  readonly norms: Tensor1D;
}

/**
 * Mean softmax cross-entropy of `logits` against integer `labels`: the fused kernel where the
 * backend has it, else the unfused reference (see src/kernels/softmax_cross_entropy/).
 */
export function crossEntropy(logits: Tensor2D, labels: Tensor1D): Scalar {
  return softmaxCrossEntropy(logits, labels);
}

/**
 * Runs one training step of `model` on the batch `(x, labels)` with `optimizer`.
 *
 * Nothing is read back to the CPU: the loss and the norms stay on the device, kept out of
 * any surrounding `tf.tidy`, and the caller disposes them (typically after reading several
 * steps' worth in one go).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { trainStep } from "@lalc/large-batch/train";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "mlp", depth: 2, width: 8, seed: 0 }, [4], 3);
 * const optimizer = tf.train.sgd(0.1);
 * const x = tf.randomNormal([8, 4], 0, 1, "float32", 1);
 * const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32");
 * const { loss, norms } = trainStep(model, optimizer, x, labels);
 * assertEquals(Number.isFinite((await loss.data())[0]), true);
 * assertEquals(norms.shape, [model.layers.length + 1]); // each kernel's norm, then the total
 * tf.dispose([loss, norms, x, labels]);
 * model.dispose();
 * ```
 */
export function trainStep(
  model: Model,
  optimizer: Optimizer,
  x: Tensor,
  labels: Tensor1D,
): StepTensors {
  return tf.tidy(() => {
    const { value, grads } = lossAndGrads(
      () => crossEntropy(model.forward(x, { training: true }).logits, labels),
      model.params,
    );
    const names = model.params.map((p) => p.name);
    const layers = model.layers.map((layer) => names.indexOf(layer.kernel.name));
    const norms = stepNorms(names.map((name) => grads[name]), layers);
    optimizer.applyGradients(grads);
    return { loss: value, norms };
  });
}

/**
 * `tf.variableGrads(loss, params)` for trainable `params`. With the fused kernels on, the
 * backward pass starts from a seed `d loss / d loss = 1` made by `fill`: tf.js' own seed is
 * a `ones` built in JavaScript, which `webgpu` uploads every step (a staging buffer, and an
 * end to the open compute pass when a pooled buffer takes it; bench/gpu_counts.ts), where
 * `fill` is one dispatch inside the pass. The same 1.0, so the same gradients.
 */
function lossAndGrads(
  loss: () => Scalar,
  params: Variable[],
): { value: Scalar; grads: tf.NamedTensorMap } {
  if (!fusedKernelsEnabled() || params.some((p) => !p.trainable)) {
    return tf.variableGrads(loss, params);
  }
  const seed = tf.fill([], 1, "float32");
  const { value, grads } = tf.engine().gradients(loss, params, seed, true);
  if (value.rank !== 0) throw new Error(`trainStep: the loss has rank ${value.rank}, not 0`);
  const named: tf.NamedTensorMap = {};
  params.forEach((p, i) => {
    if (grads[i] != null) named[p.name] = grads[i];
  });
  return { value: value as Scalar, grads: named };
}
