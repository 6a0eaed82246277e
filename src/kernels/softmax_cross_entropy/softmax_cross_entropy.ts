/**
 * Mean softmax cross-entropy of logits against integer labels: the training loss, fused into
 * one forward and one backward kernel where the backend has them (`cpu`, `wasm`, `native`,
 * `webgpu`), else composed of tf.js ops (the reference: `logSoftmax`, a one-hot dot product
 * and a mean, about a dozen kernels forward and backward).
 *
 * Importing this module registers the kernels and the gradient (once).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL,
  SOFTMAX_CROSS_ENTROPY_KERNEL,
} from "../../kernel_names.ts";
import type { Scalar, Tensor1D, Tensor2D } from "../../tf_types.ts";
import { registerGradientOnce, registerOnce, registerOnHosts } from "../register.ts";
import { useFusedKernel } from "../switch.ts";
import { softmaxCrossEntropyGradHost, softmaxCrossEntropyHost } from "./host.ts";
import { softmaxCrossEntropyGradWebgpu, softmaxCrossEntropyWebgpu } from "./webgpu.ts";

registerOnHosts(SOFTMAX_CROSS_ENTROPY_KERNEL, softmaxCrossEntropyHost as unknown as tf.KernelFunc);
registerOnHosts(
  SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL,
  softmaxCrossEntropyGradHost as unknown as tf.KernelFunc,
);
registerOnce(
  SOFTMAX_CROSS_ENTROPY_KERNEL,
  "webgpu",
  softmaxCrossEntropyWebgpu as unknown as tf.KernelFunc,
);
registerOnce(
  SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL,
  "webgpu",
  softmaxCrossEntropyGradWebgpu as unknown as tf.KernelFunc,
);
registerGradientOnce({
  kernelName: SOFTMAX_CROSS_ENTROPY_KERNEL,
  inputsToSave: ["labels"],
  outputsToSave: [false, true],
  // A two-output kernel gets one dy per output; only the loss' (dys[0]) reaches the logits,
  // since the probs output is dropped by the op.
  gradFunc: (dys, saved) => {
    const [dy] = dys as tf.Tensor[];
    const [labels, probs] = saved;
    return {
      logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, { dy, probs, labels }),
      labels: () => tf.zerosLike(labels),
    };
  },
});

/**
 * The unfused reference: `-mean(sum(logSoftmax(logits) * oneHot(labels), 1))`. A label
 * outside `[0, K)` gets a zero one-hot row, so its row adds 0 to the loss (and gets a zero
 * gradient) but still counts in the mean.
 */
export function softmaxCrossEntropyReference(logits: Tensor2D, labels: Tensor1D): Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.cast(tf.oneHot(labels, numClasses), "float32");
    return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, oneHot), 1)));
  });
}

/**
 * Mean softmax cross-entropy of `logits` `[B, K]` against integer `labels` `[B]`
 * (`-(1/B) sum_b log softmax(logits_b)[labels_b]`), differentiable in `logits`. Runs the fused
 * kernels when {@link useFusedKernel} allows (float32 logits, int32 labels), else
 * {@link softmaxCrossEntropyReference}; the two agree to ~1e-6 relative (measured at most 2e-7 for the loss, 1.2e-6 for dlogits).
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { softmaxCrossEntropy } from "./softmax_cross_entropy.ts";
 * await useBackend("cpu");
 * const logits = tf.tensor2d([[2, 0, 0], [0, 0, 2]]);
 * const labels = tf.tensor1d([0, 2], "int32");
 * const loss = softmaxCrossEntropy(logits, labels);
 * const expected = Math.log(1 + 2 * Math.exp(-2)); // both rows: the right class leads by 2
 * assert(Math.abs(loss.dataSync()[0] - expected) < 1e-6);
 * tf.dispose([logits, labels, loss]);
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor2D, labels: Tensor1D): Scalar {
  if (
    useFusedKernel(SOFTMAX_CROSS_ENTROPY_KERNEL) && logits.dtype === "float32" &&
    labels.dtype === "int32"
  ) {
    return tf.tidy(() => {
      const [loss] = tf.engine().runKernel(
        SOFTMAX_CROSS_ENTROPY_KERNEL,
        { logits, labels },
      ) as tf.Tensor[];
      return loss as Scalar;
    });
  }
  return softmaxCrossEntropyReference(logits, labels);
}
