/**
 * Per-layer weight-gradient norms of a model on one batch, and the ratios between
 * consecutive layers: the raw measurement behind the explosion diagnostics.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's bundle ships no gradient functions and its ESM registration file uses
// extensionless imports Deno cannot load; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import type { Model } from "../models/types.ts";
import { crossEntropy } from "../train/step.ts";

/** The loss driving the backward pass. */
export type ProbeLoss = "ce" | "random";

/** The losses {@link kernelGradNorms} knows. */
export const PROBE_LOSSES: readonly ProbeLoss[] = ["ce", "random"];

/**
 * Gradient norm of each weight layer's kernel (forward order: input side first, classifier
 * last) for one batch in training mode (batch statistics), as a `[layers]` tensor left on
 * the device.
 *
 * `loss` picks the top of the backward pass: `ce` is the mean softmax cross-entropy against
 * `labels`; `random` is `sum(logits * r) / batch` with a Gaussian `r` seeded by `seed`, a top
 * gradient that does not depend on the forward pass at all and has zero mean over the batch.
 * With BN both give the same interior ratios (1.210 `ce`, 1.212 `random` at width 512, 12
 * blocks, batch 256), since BN's backward pass removes the batch mean of the gradient. Without
 * BN they differ: at initialization every sample gets nearly the same softmax, so the `ce`
 * gradient has a large component shared by all samples; nothing removes it, and it meets the
 * post-ReLU activations' common direction, which grows with depth, so the weight-gradient
 * norm tracks that growth (ratio 0.90) instead of the backward gain (ratio 1.01 with
 * `random`). `random` therefore measures what the theory is about.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { kernelGradNorms } from "./gradnorms.ts";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "mlp", depth: 3, width: 8, seed: 0 }, [4], 3);
 * const x = tf.randomNormal([8, 4], 0, 1, "float32", 1);
 * const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32");
 * const norms = kernelGradNorms(model, x, labels, "ce", 0);
 * assertEquals(norms.shape, [model.layers.length]);
 * tf.dispose([norms, x, labels]);
 * model.dispose();
 * ```
 */
export function kernelGradNorms(
  model: Model,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  loss: ProbeLoss,
  seed: number,
): tf.Tensor1D {
  if (!PROBE_LOSSES.includes(loss)) {
    throw new Error(`loss must be one of ${PROBE_LOSSES.join(", ")}, got "${loss}"`);
  }
  return tf.tidy(() => {
    const kernels = model.layers.map((l) => l.kernel);
    const { grads } = tf.variableGrads(() => {
      const logits = model.forward(x, { training: true }).logits;
      const [batch, classes] = logits.shape;
      if (loss === "random") {
        const r = tf.randomNormal([batch, classes], 0, 1, "float32", seed + 31337);
        return tf.div(tf.sum(tf.mul(logits, r)), batch) as tf.Scalar;
      }
      return crossEntropy(logits, labels);
    }, kernels);
    return tf.stack(kernels.map((k) => tf.norm(grads[k.name]))) as tf.Tensor1D;
  });
}

/**
 * `ratios[i] = norms[i] / norms[i + 1]`: above 1 when the gradient grows toward the input.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { layerRatios } from "./gradnorms.ts";
 * assertEquals(layerRatios([4, 2, 1]), [2, 2]);
 * ```
 */
export function layerRatios(norms: readonly number[]): number[] {
  return norms.slice(0, -1).map((n, i) => n / norms[i + 1]);
}

/**
 * Indices of the interior ratios among `layerRatios(norms)` for a model with `blocks`
 * hidden blocks plus a classifier: pairs of hidden blocks, leaving out the first block
 * (its input is the raw data, not a BN-ReLU output, so its norm has another scale) and the
 * classifier (no BN after it). With 12 blocks: ratios 1..10.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { interiorRatioIndices } from "./gradnorms.ts";
 * assertEquals(interiorRatioIndices(4), [1, 2]);
 * ```
 */
export function interiorRatioIndices(blocks: number): number[] {
  if (!Number.isInteger(blocks) || blocks < 3) {
    throw new Error(`blocks must be an integer >= 3 to have an interior ratio, got ${blocks}`);
  }
  return Array.from({ length: blocks - 2 }, (_, i) => i + 1);
}
