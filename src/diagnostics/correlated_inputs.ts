/**
 * Correlation added to a real data set's inputs, at a controlled strength: the intervention
 * of the mechanism test (`explode mechanism`).
 *
 * @module
 */
import type { Dataset, Split } from "../data/types.ts";
import { createRng, hashSeed } from "../data/random.ts";

/**
 * Mixes every sample with a pattern shared by its class:
 *
 * `x' = sqrt(1 - c) * x + sqrt(c) * m_y`, with `m_k ~ N(0, I)` drawn once per class from
 * `seed` (the same patterns for the train and test splits).
 *
 * For standardized inputs (unit variance per feature overall) the features keep unit variance
 * in expectation, and two samples of one class gain a common component carrying a fraction
 * `c` of their variance. A pattern shared by *every* sample would change nothing, as the first
 * BN subtracts the batch mean; a per-class pattern survives BN (it has rank `numClasses`).
 * `c = 0` returns the data unchanged. The name becomes `<name>+class<c>`.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset } from "@lalc/large-batch/data";
 * import { withClassCorrelation } from "./correlated_inputs.ts";
 * const data = makeSyntheticDataset({ correlation: 0, trainCount: 64, testCount: 16 });
 * const mixed = withClassCorrelation(data, 0.5, 1);
 * if (mixed.name !== "synthetic+class0.5") throw new Error(mixed.name);
 * ```
 */
export function withClassCorrelation(data: Dataset, c: number, seed: number): Dataset {
  if (!(c >= 0 && c <= 1)) throw new Error(`correlation must be in [0, 1], got ${c}`);
  if (c === 0) return data;
  const features = data.train.sampleShape.reduce((a, b) => a * b, 1);
  const rng = createRng(hashSeed(seed, "class-patterns"));
  const patterns = new Float32Array(data.numClasses * features);
  for (let i = 0; i < patterns.length; i++) patterns[i] = rng.normal();
  const a = Math.sqrt(1 - c);
  const b = Math.sqrt(c);
  const mix = (split: Split): Split => {
    const x = new Float32Array(split.x.length);
    for (let s = 0; s < split.count; s++) {
      const base = s * features;
      const p = split.y[s] * features;
      for (let f = 0; f < features; f++) x[base + f] = a * split.x[base + f] + b * patterns[p + f];
    }
    return { ...split, x };
  };
  return {
    ...data,
    name: `${data.name}+class${c}`,
    train: mix(data.train),
    test: mix(data.test),
    source: `${data.source}; mixed with per-class N(0, I) patterns at c = ${c} (seed ${seed})`,
  };
}
