/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research, 2017) from its IDX files.
 *
 * Pixels become floats as `(p / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD`, with the mean
 * and standard deviation of all 47,040,000 training pixels (after `/ 255`), so the training
 * inputs have mean 0 and variance 1, as He initialization assumes. The same constants are
 * used for the test split and for the shipped subset, so a model sees the same scale whichever
 * is loaded. Samples are `[28, 28, 1]` (NHWC), labels 0-9.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Dataset, Split } from "./types.ts";
import { readIdx } from "./idx.ts";

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEFAULT_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist/";

/** Mean of the training pixels scaled to [0, 1] (measured over all 60,000 images). */
export const FASHION_MNIST_MEAN = 0.2860405969804586;
/** Standard deviation (population) of the training pixels scaled to [0, 1]. */
export const FASHION_MNIST_STD = 0.3530242445185261;

/** The number of Fashion-MNIST classes. */
export const FASHION_MNIST_CLASSES = 10;

/** Class names in label order, from the data set's README. */
export const FASHION_MNIST_LABELS: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /**
   * Directory holding the four IDX files (`.gz` or not). Default: the `FASHION_MNIST_DIR`
   * environment variable, else {@link DEFAULT_FASHION_MNIST_DIR}.
   */
  readonly dataDir?: string;
  /**
   * Fall back to the real 4000/1000-image subset shipped in `fixtures/fashion-mnist-subset/`
   * when the full files are absent. Default: true when neither `dataDir` nor
   * `FASHION_MNIST_DIR` was given (a mistyped explicit directory should fail, not quietly
   * train on 4000 images), false otherwise.
   */
  readonly allowSubset?: boolean;
  /** Called with a one-line notice when the subset is used. Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** The shipped subset's directory (a real copy of the first 4000 train / 1000 test images). */
export const FASHION_MNIST_SUBSET_DIR: string | undefined = (() => {
  const url = new URL("../../fixtures/fashion-mnist-subset/", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
})();

/**
 * Loads Fashion-MNIST: the full set from `dataDir` when its four files are there, else
 * (when allowed) the shipped subset, with a warning and `name: "fashion-mnist-subset"`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { FASHION_MNIST_SUBSET_DIR, loadFashionMnist } from "./fashion_mnist.ts";
 * const data = await loadFashionMnist({ dataDir: FASHION_MNIST_SUBSET_DIR });
 * assertEquals([data.train.count, data.test.count], [4000, 1000]);
 * assertEquals(data.train.sampleShape, [28, 28, 1]);
 * ```
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset> {
  const fromEnv = readEnv("FASHION_MNIST_DIR");
  const explicit = options.dataDir ?? fromEnv;
  const dir = explicit ?? DEFAULT_FASHION_MNIST_DIR;
  // An empty path would read the current folder and say "no files in .", hiding the typo.
  if (dir.trim() === "") {
    throw new Error(
      `dataDir: "${dir}" is not allowed; expected the folder of the Fashion-MNIST files`,
    );
  }
  const allowSubset = options.allowSubset ?? explicit === undefined;
  const found = await findFiles(dir);
  if (found.missing.length === 0) {
    return await loadFromFiles(found.paths, "fashion-mnist", dir);
  }
  const why = found.missing.length === 4
    ? `no Fashion-MNIST files in ${dir}`
    : `${dir} lacks ${found.missing.join(", ")} (found the other files)`;
  if (found.missing.length < 4 || !allowSubset || FASHION_MNIST_SUBSET_DIR === undefined) {
    throw new Error(
      `${why}. Install Debian's dataset-fashion-mnist package, or set dataDir / ` +
        `FASHION_MNIST_DIR to a directory with ${Object.values(FILES).join(", ")} (.gz or not)` +
        (allowSubset ? "" : ", or pass allowSubset: true to use the shipped 4000-image subset"),
    );
  }
  const subset = await findFiles(FASHION_MNIST_SUBSET_DIR);
  if (subset.missing.length > 0) {
    throw new Error(`${why}, and the shipped subset ${FASHION_MNIST_SUBSET_DIR} is incomplete`);
  }
  (options.warn ?? console.warn)(
    `${why}; using the shipped subset ${FASHION_MNIST_SUBSET_DIR} ` +
      `(4000 train / 1000 test images): results are not comparable with the full set`,
  );
  return await loadFromFiles(subset.paths, "fashion-mnist-subset", FASHION_MNIST_SUBSET_DIR);
}

function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function findFiles(
  dir: string,
): Promise<{ paths: Record<keyof typeof FILES, string>; missing: string[] }> {
  const paths = {} as Record<keyof typeof FILES, string>;
  const missing: string[] = [];
  for (const [key, base] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    const gz = join(dir, `${base}.gz`);
    const plain = join(dir, base);
    if (await exists(gz)) paths[key] = gz;
    else if (await exists(plain)) paths[key] = plain;
    else missing.push(base);
  }
  return { paths, missing };
}

async function loadFromFiles(
  paths: Record<keyof typeof FILES, string>,
  name: string,
  source: string,
): Promise<Dataset> {
  // sequential reads: with several bad files, the error always names the same (first) one
  const train = await loadIdxSplit(paths.trainImages, paths.trainLabels);
  const test = await loadIdxSplit(paths.testImages, paths.testLabels);
  return { name, train, test, numClasses: FASHION_MNIST_CLASSES, source };
}

/**
 * Loads one split from an images file (`[n, 28, 28]`) and a labels file (`[n]`, 0-9),
 * checking that they agree. Exported for the fixture script and tests.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { FASHION_MNIST_SUBSET_DIR, loadIdxSplit } from "./fashion_mnist.ts";
 * const dir = FASHION_MNIST_SUBSET_DIR;
 * const test = await loadIdxSplit(`${dir}/t10k-images-idx3-ubyte.gz`, `${dir}/t10k-labels-idx1-ubyte.gz`);
 * assertEquals([test.count, test.sampleShape], [1000, [28, 28, 1]]);
 * ```
 */
export async function loadIdxSplit(imagesPath: string, labelsPath: string): Promise<Split> {
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new Error(
      `${imagesPath}: images must have dims [count, 28, 28], got [${images.dims.join(", ")}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new Error(
      `${labelsPath}: labels must have dims [count], got [${labels.dims.join(", ")}]`,
    );
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new Error(
      `${labelsPath}: has ${labels.dims[0]} labels but ${imagesPath} has ${count} images`,
    );
  }
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= FASHION_MNIST_CLASSES) {
      throw new Error(
        `${labelsPath}: label ${label} at index ${i} is out of range [0, ${FASHION_MNIST_CLASSES})`,
      );
    }
    y[i] = label;
  }
  // one multiply-add per pixel through a 256-entry table
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) table[p] = (p / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD;
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = table[images.data[i]];
  return { x, y, count, sampleShape: [28, 28, 1] };
}
