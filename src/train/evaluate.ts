/**
 * Test-set accuracy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Split } from "../data/types.ts";
import type { Model } from "../models/types.ts";

/** Samples per forward pass during evaluation: bounds memory, not a tuning knob. */
const EVAL_CHUNK = 1000;

/**
 * Accuracy of `model` (inference mode: BN running statistics) on the first `limit` samples of
 * `split`, read back with a single device-to-CPU transfer.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { makeSyntheticDataset } from "@lalc/large-batch/data";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { accuracy } from "@lalc/large-batch/train";
 * await useBackend("cpu");
 * const dataset = makeSyntheticDataset({ trainCount: 64, testCount: 64 });
 * const model = buildModel({ kind: "mlp", depth: 2, width: 8, seed: 0 }, dataset.test.sampleShape, dataset.numClasses);
 * const acc = await accuracy(model, dataset.test);
 * assertEquals(acc >= 0 && acc <= 1, true);
 * model.dispose();
 * ```
 */
export async function accuracy(model: Model, split: Split, limit = split.count): Promise<number> {
  const count = Math.min(limit, split.count);
  if (count <= 0) throw new Error(`accuracy: nothing to evaluate (limit ${limit})`);
  const sampleSize = split.sampleShape.reduce((a, b) => a * b, 1);
  const chunks: tf.Scalar[] = [];
  for (let start = 0; start < count; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, count - start);
    chunks.push(tf.tidy(() => {
      const x = tf.tensor(
        split.x.subarray(start * sampleSize, (start + size) * sampleSize),
        [size, ...split.sampleShape],
      );
      const y = tf.tensor1d(split.y.subarray(start, start + size), "int32");
      const { logits } = model.forward(x, { training: false });
      return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32")) as tf.Scalar;
    }));
  }
  const correctTensor = tf.addN(chunks);
  const correct = (await correctTensor.data())[0];
  tf.dispose([correctTensor, ...chunks]);
  return correct / count;
}
