/**
 * The CIFAR-style ResNet of He et al. 2016 ("Deep Residual Learning for Image Recognition",
 * section 4.2): depth `6n + 2` = a stem conv, 3 stages of `n` basic blocks with widths
 * `w, 2w, 4w` (stride 2 at the first block of stages 2 and 3), global average pooling and a
 * Dense classifier. A basic block is conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut,
 * then ReLU.
 *
 * Shortcuts use option A of the paper (the one it uses on CIFAR-10): identity, and where the
 * shape changes, subsample by 2 and zero-pad the new channels. It adds no parameters, so every
 * weight layer is a conv on the main path and the depth count stays exactly `6n + 2`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, ModelSpec } from "./types.ts";
import type { ParamStore } from "./params.ts";
import { applyHead, conv3x3, makeHead, makeNorm, type Norm, normActivate } from "./layers.ts";
import { blockName, type ForwardImpl } from "./_model.ts";
import { globalAveragePool } from "./global_pool.ts";

interface BasicBlock {
  readonly conv1: tf.Variable;
  readonly norm1: Norm;
  readonly conv2: tf.Variable;
  readonly norm2: Norm;
  readonly stride: number;
  /** Zero channels to add before and after on the shortcut (option A). */
  readonly pad: [number, number];
}

// Kept in a module without tf.js, so the checks of a configuration (src/train/limits.ts) can
// use the same rule without loading it.
export { resnetBlocksPerStage } from "./resnet_depth.ts";
import { resnetBlocksPerStage } from "./resnet_depth.ts";

/**
 * Creates the ResNet's variables in `store` (`stem/conv`, `stem/bn`,
 * `stage1/block01/conv1`, `stage1/block01/bn1`, `.../conv2`, `.../bn2`, ..., `head/dense`)
 * and returns its forward function. With `keepActivations` the activations are the stem's
 * output, then each basic block's output (after the addition and ReLU).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "resnet", depth: 8, width: 4, seed: 0 }, [16, 16, 3], 10);
 * const { logits } = model.forward(tf.zeros([2, ...[16, 16, 3]]), { training: false });
 * assertEquals(logits.shape, [2, 10]);
 * tf.dispose(logits);
 * model.dispose();
 * ```
 */
export function buildResnet(
  store: ParamStore,
  spec: ModelSpec,
  inputShape: readonly number[],
  numClasses: number,
): ForwardImpl {
  const n = resnetBlocksPerStage(spec.depth);
  const inChannels = inputShape[2];
  const stem = {
    kernel: store.kernel("stem/conv", [3, 3, inChannels, spec.width], 9 * inChannels),
    norm: makeNorm(store, spec, "stem", "conv", spec.width),
  };
  const blocks: BasicBlock[] = [];
  let channels = spec.width;
  for (let stage = 1; stage <= 3; stage++) {
    const out = spec.width * 2 ** (stage - 1);
    for (let j = 1; j <= n; j++) {
      const name = `stage${stage}/${blockName(j)}`;
      const conv1 = store.kernel(`${name}/conv1`, [3, 3, channels, out], 9 * channels);
      const norm1 = makeNorm(store, spec, name, "conv1", out, "bn1");
      const conv2 = store.kernel(`${name}/conv2`, [3, 3, out, out], 9 * out);
      const norm2 = makeNorm(store, spec, name, "conv2", out, "bn2");
      const extra = out - channels;
      const stride = stage > 1 && j === 1 ? 2 : 1;
      const pad: [number, number] = [Math.floor(extra / 2), extra - Math.floor(extra / 2)];
      blocks.push({ conv1, norm1, conv2, norm2, stride, pad });
      channels = out;
    }
  }
  const head = makeHead(store, channels, numClasses);
  return (x, { training, keepActivations }): ForwardResult => {
    const activations: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let h = normActivate(conv3x3(x, stem.kernel), stem.norm, spec, training);
      if (keepActivations) activations.push(tf.keep(h));
      for (const b of blocks) {
        const r = normActivate(conv3x3(h, b.conv1, b.stride), b.norm1, spec, training);
        let shortcut = h;
        if (b.stride > 1) {
          // a 1x1 average pool with stride 2 picks every other pixel and has a gradient kernel
          // on every backend (strided slicing has none in tf.js)
          shortcut = tf.avgPool(shortcut as tf.Tensor4D, 1, b.stride, "same");
        }
        if (b.pad[0] + b.pad[1] > 0) {
          shortcut = tf.pad(shortcut, [[0, 0], [0, 0], [0, 0], b.pad]);
        }
        // BN of the second conv, plus the shortcut, then ReLU: one fused op
        h = normActivate(conv3x3(r, b.conv2), b.norm2, spec, training, shortcut);
        if (keepActivations) activations.push(tf.keep(h));
      }
      return applyHead(globalAveragePool(h), head);
    });
    return keepActivations ? { logits, activations } : { logits };
  };
}
