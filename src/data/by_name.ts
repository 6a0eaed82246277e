/**
 * The data sets by name: the one list of names every command and grid accepts, and the one
 * loader behind them.
 *
 * @module
 */
import { FASHION_MNIST_SUBSET_DIR, loadFashionMnist } from "./fashion_mnist.ts";
import { loadCifar10 } from "./cifar10.ts";
import { makeSyntheticDataset, type SyntheticOptions } from "./synthetic.ts";
import type { Dataset } from "./types.ts";

/**
 * The data sets a grid or a command can name: the full Fashion-MNIST, the subset of it
 * shipped in `fixtures/`, CIFAR-10 and the seeded synthetic task.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { DATASETS } from "./by_name.ts";
 * assertEquals(DATASETS.includes("cifar10"), true);
 * ```
 */
export const DATASETS = ["fashion-mnist", "fashion-mnist-subset", "cifar10", "synthetic"] as const;

/** One of {@link DATASETS}. */
export type DatasetName = typeof DATASETS[number];

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Folder of the data files, when not the loader's default place. */
  readonly dataDir?: string;
  /**
   * `fashion-mnist` only: fall back to the shipped subset when the full files are absent
   * (see `loadFashionMnist`; its default applies when absent).
   */
  readonly allowSubset?: boolean;
  /** `synthetic` only: the generator's options (sizes, sample shape, seed). */
  readonly synthetic?: SyntheticOptions;
}

/**
 * Loads the data set called `name`. `fashion-mnist-subset` is the shipped subset under its
 * own name (or the IDX files in `dataDir`); the others go to their loaders as they are.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { loadDataset } from "./by_name.ts";
 * const subset = await loadDataset("fashion-mnist-subset");
 * assertEquals([subset.name, subset.train.count, subset.test.count], ["fashion-mnist-subset", 4000, 1000]);
 * const synthetic = await loadDataset("synthetic", { synthetic: { trainCount: 8, testCount: 4 } });
 * assertEquals([synthetic.train.count, synthetic.test.count], [8, 4]);
 * ```
 */
export async function loadDataset(
  name: DatasetName,
  options: LoadDatasetOptions = {},
): Promise<Dataset> {
  switch (name) {
    case "fashion-mnist":
      return await loadFashionMnist({ dataDir: options.dataDir, allowSubset: options.allowSubset });
    case "fashion-mnist-subset": {
      const data = await loadFashionMnist({
        dataDir: options.dataDir ?? FASHION_MNIST_SUBSET_DIR,
        allowSubset: false,
      });
      return { ...data, name: "fashion-mnist-subset" };
    }
    case "cifar10":
      return await loadCifar10({ dataDir: options.dataDir });
    case "synthetic":
      return makeSyntheticDataset(options.synthetic);
    default:
      throw new Error(
        `dataset "${name as string}" is not known; use one of ${DATASETS.join(", ")}`,
      );
  }
}
