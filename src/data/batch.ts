/**
 * Seeded shuffling and batch assembly.
 *
 * A batch is gathered on the CPU into one Float32Array and uploaded as one tensor: one
 * allocation and one backend write per batch, instead of a `tf.gather` on a resident copy of
 * the whole split (which would keep the split on the device twice on the wasm backend).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Split } from "./types.ts";
import { createRng, hashSeed } from "./random.ts";
import type { Tensor, Tensor1D } from "../tf_types.ts";

/**
 * The visiting order of `count` samples in `epoch` for `seed`: a Fisher-Yates shuffle driven
 * by a generator seeded with `(seed, epoch)`. Same seed and epoch, same order.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { shuffledOrder } from "@lalc/large-batch/data";
 * const order = shuffledOrder(10, 42, 0);
 * assertEquals([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // a permutation
 * assertEquals(shuffledOrder(10, 42, 0), order); // the same seed and epoch, the same order
 * ```
 */
export function shuffledOrder(count: number, seed: number, epoch: number): Int32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`count must be a non-negative integer, got ${count}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new Error(`epoch must be a non-negative integer, got ${epoch}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  const rng = createRng(hashSeed(seed, "shuffle", epoch));
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** A batch: inputs `[n, ...sampleShape]` and int32 labels `[n]`. The caller disposes both. */
export interface Batch {
  /** Inputs. */
  readonly x: Tensor;
  /** Labels (int32). */
  readonly y: Tensor1D;
}

/**
 * Gathers samples `order[start .. start + size)` of `split` into tensors. The last batch of an
 * epoch is shorter when `order` runs out (drop it in the caller if a fixed size matters).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { gatherBatch, shuffledOrder } from "@lalc/large-batch/data";
 * import { makeGaussianInputs } from "@lalc/large-batch/data";
 * import { useBackend } from "@lalc/large-batch/backend";
 * await useBackend("cpu");
 * const split = makeGaussianInputs({ count: 100, features: 4 });
 * const { x, y } = gatherBatch(split, shuffledOrder(100, 1, 0), 0, 32);
 * assertEquals([x.shape, y.dtype], [[32, 4], "int32"]);
 * x.dispose();
 * y.dispose();
 * ```
 */
export function gatherBatch(
  split: Split,
  order: Int32Array,
  start: number,
  size: number,
): Batch {
  if (!Number.isInteger(start) || start < 0 || start >= order.length) {
    throw new Error(`start must be an integer in [0, ${order.length}), got ${start}`);
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`size must be a positive integer, got ${size}`);
  }
  const n = Math.min(size, order.length - start);
  const stride = split.x.length / split.count;
  const x = new Float32Array(n * stride);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[start + i];
    if (k < 0 || k >= split.count) {
      throw new Error(`order[${start + i}] = ${k} is out of range [0, ${split.count})`);
    }
    x.set(split.x.subarray(k * stride, (k + 1) * stride), i * stride);
    y[i] = split.y[k];
  }
  return { x: tf.tensor(x, [n, ...split.sampleShape], "float32"), y: tf.tensor1d(y, "int32") };
}
