/**
 * Loads the data set a grid names, through src/data's loader by name.
 *
 * @module
 */
import { loadDataset } from "../data/by_name.ts";
import type { Dataset, Split } from "../data/types.ts";
import { holdOutValidation } from "../data/validation.ts";
import type { DatasetSpec } from "./types.ts";

function head(split: Split, count: number | undefined): Split {
  if (!count || count >= split.count) return split;
  const size = split.sampleShape.reduce((a, b) => a * b, 1);
  return { ...split, x: split.x.subarray(0, count * size), y: split.y.subarray(0, count), count };
}

/**
 * The data set of `spec`, with its validation split held out of the training set
 * (`holdOutValidation`: a fixed sixth, 10,000 of Fashion-MNIST's 60,000). The full
 * `fashion-mnist` never falls back to the shipped subset (a grid that asks for the full set
 * must not quietly train on 4000 images).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { loadGridDataset } from "./data.ts";
 * const data = await loadGridDataset({ name: "fashion-mnist-subset" });
 * assertEquals([data.name, data.train.count, data.test.count], ["fashion-mnist-subset", 4000 - 667, 1000]); // 667 held out for validation
 * ```
 */
export async function loadGridDataset(spec: DatasetSpec): Promise<Dataset> {
  const data = await loadDataset(spec.name, {
    dataDir: spec.dataDir,
    allowSubset: false,
    synthetic: {
      trainCount: spec.trainSamples || undefined,
      testCount: spec.testSamples || undefined,
    },
  });
  return holdOutValidation({
    ...data,
    train: head(data.train, spec.trainSamples),
    test: head(data.test, spec.testSamples),
  });
}
