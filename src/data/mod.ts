/**
 * Data for the benchmarks: Fashion-MNIST (IDX files) and CIFAR-10 (binary batches) loaders,
 * synthetic correlated data for the diagnostics, and reproducible batching.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { shuffledOrder } from "./mod.ts";
 * const order = shuffledOrder(10, 1, 0); // a seeded permutation of 0..9 for epoch 0
 * assertEquals([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * assertEquals(shuffledOrder(10, 1, 0), order); // the same seed and epoch, the same order
 * ```
 *
 * @module
 */
export type { Dataset, Split } from "./types.ts";
export { type DatasetName, DATASETS, loadDataset, type LoadDatasetOptions } from "./by_name.ts";
export { type FashionMnistOptions, loadFashionMnist } from "./fashion_mnist.ts";
export { loadCifar10 } from "./cifar10.ts";
export {
  type CorrelationStructure,
  type GaussianInputOptions,
  makeGaussianInputs,
  makeSyntheticDataset,
  type SyntheticOptions,
} from "./synthetic.ts";
export { type Batch, gatherBatch, shuffledOrder } from "./batch.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
