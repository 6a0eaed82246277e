/**
 * The validation split: a fixed, seeded hold-out from the training set. Every choice of the
 * benchmark (the learning rate) is made on it; the test set is only reported.
 *
 * The hold-out is the same for every run, method and seed (it depends only on the training
 * set's size and {@link VALIDATION_SEED}), so no run ever trains on a validation image and
 * every method is tuned on the same images.
 *
 * @module
 */
import { createRng, hashSeed } from "./random.ts";
import type { Dataset, Split } from "./types.ts";

/**
 * The fraction of the training set held out: 10,000 of Fashion-MNIST's 60,000 images (the
 * size of its test set), 667 of the shipped 4,000-image subset.
 */
export const VALIDATION_FRACTION = 1 / 6;

/** The seed of the hold-out: fixed, so every run of every grid sees the same split. */
export const VALIDATION_SEED = 20261201;

/** The number of validation samples held out of `trainCount` training samples. */
export function validationCount(trainCount: number): number {
  return Math.round(trainCount * VALIDATION_FRACTION);
}

function take(split: Split, indices: Int32Array): Split {
  const size = split.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    x.set(split.x.subarray(src * size, (src + 1) * size), i * size);
    y[i] = split.y[src];
  });
  return { ...split, x, y, count: indices.length };
}

/**
 * `dataset` with `count` training samples moved into `validation`, chosen by a seeded
 * shuffle; the remaining training samples keep their original order. A dataset that
 * already has a validation split is returned as it is.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { holdOutValidation } from "./validation.ts";
 * const split = (n: number) => ({
 *   x: Float32Array.from({ length: n }, (_, i) => i), y: new Int32Array(n), count: n,
 *   sampleShape: [1],
 * });
 * const d = holdOutValidation({
 *   name: "toy", train: split(60), test: split(10), numClasses: 2, source: "toy",
 * });
 * assertEquals([d.train.count, d.validation?.count], [50, 10]); // 60 training samples split
 * ```
 */
export function holdOutValidation(
  dataset: Dataset,
  count = validationCount(dataset.train.count),
  seed = VALIDATION_SEED,
): Dataset {
  if (dataset.validation) return dataset;
  const n = dataset.train.count;
  if (!Number.isInteger(count) || count < 1 || count >= n) {
    throw new Error(
      `validation count ${count} is not allowed for ${n} training samples; ` +
        `allowed: an integer in [1, ${n - 1}]`,
    );
  }
  const rng = createRng(hashSeed(seed, "validation"));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const held = order.slice(0, count).sort();
  const rest = order.slice(count).sort();
  return {
    ...dataset,
    train: take(dataset.train, rest),
    validation: take(dataset.train, held),
  };
}
