/**
 * The plain CNN: `depth` blocks of Conv3x3 (same padding, no bias) -> BN -> ReLU with
 * constant width, a 2x2 max-pool after blocks `round(depth / 3)` and `round(2 * depth / 3)`
 * (for the 6-block, 32-channel W2 preset: after blocks 2 and 4, so 28x28 -> 14x14 -> 7x7),
 * global average pooling, then a Dense classifier with a bias.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, ModelSpec } from "./types.ts";
import type { ParamStore } from "./params.ts";
import { applyHead, conv3x3, makeHead, makeNorm, type Norm, normActivate } from "./layers.ts";
import { blockName, type ForwardImpl } from "./_model.ts";
import { globalAveragePool } from "./global_pool.ts";

/** The (1-based) blocks followed by a 2x2 max-pool in a CNN of `depth` blocks. */
export function poolAfter(depth: number): number[] {
  const at = [Math.round(depth / 3), Math.round((2 * depth) / 3)].filter((b) => b >= 1);
  return [...new Set(at)];
}

/**
 * Creates the CNN's variables in `store` (`block01/conv`, `block01/bn`, ..., `head/dense`) and
 * returns its forward function. `inputShape` is `[height, width, channels]`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "cnn", depth: 3, width: 4, seed: 0 }, [16, 16, 3], 10);
 * const { logits } = model.forward(tf.zeros([2, ...[16, 16, 3]]), { training: false });
 * assertEquals(logits.shape, [2, 10]);
 * tf.dispose(logits);
 * model.dispose();
 * ```
 */
export function buildCnn(
  store: ParamStore,
  spec: ModelSpec,
  inputShape: readonly number[],
  numClasses: number,
): ForwardImpl {
  let [height, width, channels] = inputShape;
  const pools = new Set(poolAfter(spec.depth));
  const blocks: { kernel: tf.Variable; norm: Norm; pool: boolean }[] = [];
  for (let i = 1; i <= spec.depth; i++) {
    const block = blockName(i);
    const kernel = store.kernel(`${block}/conv`, [3, 3, channels, spec.width], 9 * channels);
    const pool = pools.has(i);
    if (pool) {
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
      if (height < 1 || width < 1) {
        throw new Error(
          `cnn: input [${inputShape.join(", ")}] is too small for the max-pool after ${block}`,
        );
      }
    }
    blocks.push({ kernel, norm: makeNorm(store, spec, block, "conv", spec.width), pool });
    channels = spec.width;
  }
  const head = makeHead(store, channels, numClasses);
  return (x, { training, keepActivations }): ForwardResult => {
    const activations: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let h: tf.Tensor = x;
      for (const { kernel, norm, pool } of blocks) {
        h = normActivate(conv3x3(h, kernel), norm, spec, training);
        if (keepActivations) activations.push(tf.keep(h));
        if (pool) h = tf.maxPool(h as tf.Tensor4D, 2, 2, "valid");
      }
      return applyHead(globalAveragePool(h), head);
    });
    return keepActivations ? { logits, activations } : { logits };
  };
}
