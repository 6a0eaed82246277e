/**
 * The multilayer perceptron of the paper's analysis: flatten, then `depth` blocks of
 * Dense (no bias) -> BN -> ReLU, then a Dense classifier with a bias.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, ModelSpec } from "./types.ts";
import type { ParamStore } from "./params.ts";
import { applyHead, makeHead, makeNorm, type Norm, normActivate } from "./layers.ts";
import { blockName, type ForwardImpl } from "./_model.ts";

/**
 * Creates the MLP's variables in `store` and returns its forward function. Layers:
 * `block01/dense` (kernel), `block01/bn` (gamma, beta), ..., `head/dense` (kernel, bias).
 * Without BN each block's dense layer has a bias instead.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "mlp", depth: 4, width: 16, seed: 0 }, [28, 28, 1], 10);
 * const { logits } = model.forward(tf.zeros([2, ...[28, 28, 1]]), { training: false });
 * assertEquals(logits.shape, [2, 10]);
 * tf.dispose(logits);
 * model.dispose();
 * ```
 */
export function buildMlp(
  store: ParamStore,
  spec: ModelSpec,
  inputShape: readonly number[],
  numClasses: number,
): ForwardImpl {
  const features = inputShape.reduce((a, b) => a * b, 1);
  const blocks: { kernel: tf.Variable; norm: Norm }[] = [];
  let fanIn = features;
  for (let i = 1; i <= spec.depth; i++) {
    const block = blockName(i);
    const kernel = store.kernel(`${block}/dense`, [fanIn, spec.width], fanIn);
    blocks.push({ kernel, norm: makeNorm(store, spec, block, "dense", spec.width) });
    fanIn = spec.width;
  }
  const head = makeHead(store, fanIn, numClasses);
  return (x, { training, keepActivations }): ForwardResult => {
    const activations: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let h: tf.Tensor = tf.reshape(x, [x.shape[0], features]);
      for (const { kernel, norm } of blocks) {
        h = tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D);
        h = normActivate(h, norm, spec, training);
        if (keepActivations) activations.push(tf.keep(h));
      }
      return applyHead(h, head);
    });
    return keepActivations ? { logits, activations } : { logits };
  };
}
