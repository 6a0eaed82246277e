/**
 * Seeded synthetic data: a learnable classification task with a correlation knob, and plain
 * Gaussian inputs (optionally correlated) for the gradient-explosion diagnostics.
 *
 * Why two kinds of correlation: BN subtracts the batch mean of every feature, so a component
 * shared by *all* samples is removed by the first BN and changes nothing; a random component
 * that differs between samples but lives in a few directions (low rank) survives BN and makes
 * the samples' activations correlated, which is what offsets the gradient explosion (docs/method.md).
 *
 * @module
 */
import type { Dataset, Split } from "./types.ts";
import { createRng, hashSeed, type Rng } from "./random.ts";

/** Options of {@link makeSyntheticDataset}. */
export interface SyntheticOptions {
  /** Training samples. Default 2048. */
  readonly trainCount?: number;
  /** Test samples. Default 512. */
  readonly testCount?: number;
  /** Shape of one sample, e.g. `[32]` or `[8, 8, 1]`. Default `[32]`. */
  readonly sampleShape?: readonly number[];
  /** Number of classes. Default 10. */
  readonly numClasses?: number;
  /** Within-class correlation `c` in [0, 1). Default 0.5. */
  readonly correlation?: number;
  /** Seed. Default 0. */
  readonly seed?: number;
}

function checkCorrelation(c: number): void {
  if (!(c >= 0 && c < 1)) throw new Error(`correlation must be in [0, 1), got ${c}`);
}

function checkCount(name: string, n: number, min = 1): void {
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${n}`);
  }
}

function sampleSize(shape: readonly number[]): number {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`sampleShape must be positive integers, got [${shape.join(", ")}]`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A seeded classification data set. Class prototypes `m_k ~ N(0, I_D)` are drawn once; each
 * sample gets a uniform label `y` and
 *
 * `x = sqrt(c) * m_y + sqrt(1 - c) * e`, with `e ~ N(0, I_D)`,
 *
 * so every feature has variance 1 (in expectation over the prototypes), two samples of the same
 * class have correlation `c`, samples of different classes are uncorrelated, and larger `c`
 * makes the classes easier to separate. The class component has rank `numClasses` and is not
 * removed by BN. Train and test share the prototypes; `name` is `synthetic`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { makeSyntheticDataset } from "@lalc/large-batch/data";
 * const data = makeSyntheticDataset({ sampleShape: [8, 8, 1], correlation: 0.3, seed: 1 });
 * assertEquals([data.train.count, data.numClasses], [2048, 10]);
 * ```
 */
export function makeSyntheticDataset(options: SyntheticOptions = {}): Dataset {
  const trainCount = options.trainCount ?? 2048;
  const testCount = options.testCount ?? 512;
  const sampleShape = [...(options.sampleShape ?? [32])];
  const numClasses = options.numClasses ?? 10;
  const c = options.correlation ?? 0.5;
  const seed = options.seed ?? 0;
  checkCount("trainCount", trainCount);
  checkCount("testCount", testCount);
  checkCount("numClasses", numClasses, 2);
  checkCorrelation(c);
  const d = sampleSize(sampleShape);
  const protoRng = createRng(hashSeed(seed, "prototypes"));
  const prototypes = new Float32Array(numClasses * d);
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = protoRng.normal();
  const make = (count: number, rng: Rng): Split => {
    const x = new Float32Array(count * d);
    const y = new Int32Array(count);
    const a = Math.sqrt(c);
    const b = Math.sqrt(1 - c);
    for (let n = 0; n < count; n++) {
      const label = rng.int(numClasses);
      y[n] = label;
      for (let j = 0; j < d; j++) x[n * d + j] = a * prototypes[label * d + j] + b * rng.normal();
    }
    return { x, y, count, sampleShape };
  };
  return {
    name: "synthetic",
    train: make(trainCount, createRng(hashSeed(seed, "train"))),
    test: make(testCount, createRng(hashSeed(seed, "test"))),
    numClasses,
    source:
      `synthetic: x = sqrt(c)*m_y + sqrt(1-c)*e, c=${c}, D=${d}, K=${numClasses}, seed=${seed}`,
  };
}

/** How {@link makeGaussianInputs} correlates the samples. */
export type CorrelationStructure = "lowRank" | "shared";

/** Options of {@link makeGaussianInputs}. */
export interface GaussianInputOptions {
  /** Number of samples. */
  readonly count: number;
  /** Features per sample. */
  readonly features: number;
  /** Seed. Default 0. */
  readonly seed?: number;
  /** Weight `c` in [0, 1) of the correlated component. Default 0 (i.i.d. N(0, 1)). */
  readonly correlation?: number;
  /** `lowRank` (survives BN, the default) or `shared` (one vector for all; BN removes it). */
  readonly structure?: CorrelationStructure;
  /** Rank of the `lowRank` component. Default 1. */
  readonly rank?: number;
  /** Labels are uniform in [0, numClasses), independent of x. Default 10. */
  readonly numClasses?: number;
}

/**
 * Gaussian inputs for the diagnostics, as a split (labels are random: the diagnostics look at
 * gradients at initialization, not at learning). With `e ~ N(0, I_D)`:
 *
 * - `correlation: 0`: `x = e`, i.i.d. N(0, 1) features;
 * - `shared`: `x = sqrt(c) * m + sqrt(1 - c) * e` with one `m ~ N(0, I_D)` for all samples:
 *   pairwise correlation `c`, but BN's mean subtraction removes `m` entirely;
 * - `lowRank`: `x = sqrt(c) * B s / sqrt(r) + sqrt(1 - c) * e` with a fixed `B` (D x r, N(0, 1)
 *   entries) and a per-sample `s ~ N(0, I_r)`: a rank-`r` component carrying a fraction `c` of
 *   the variance, which BN keeps.
 *
 * Every feature has variance 1 in expectation in all three cases.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { makeGaussianInputs } from "@lalc/large-batch/data";
 * const split = makeGaussianInputs({ count: 512, features: 64, correlation: 0.9, rank: 2 });
 * assertEquals(split.sampleShape, [64]);
 * ```
 */
export function makeGaussianInputs(options: GaussianInputOptions): Split {
  const { count, features } = options;
  const seed = options.seed ?? 0;
  const c = options.correlation ?? 0;
  const structure = options.structure ?? "lowRank";
  const rank = options.rank ?? 1;
  const numClasses = options.numClasses ?? 10;
  checkCount("count", count);
  checkCount("features", features);
  checkCount("rank", rank);
  checkCount("numClasses", numClasses, 1);
  checkCorrelation(c);
  if (structure !== "lowRank" && structure !== "shared") {
    throw new Error(`structure must be "lowRank" or "shared", got "${structure}"`);
  }
  const rng = createRng(hashSeed(seed, "gaussian", structure));
  const basisRank = structure === "shared" ? 1 : rank;
  const basis = new Float32Array(features * basisRank);
  for (let i = 0; i < basis.length; i++) basis[i] = rng.normal();
  const x = new Float32Array(count * features);
  const y = new Int32Array(count);
  const a = Math.sqrt(c / basisRank);
  const b = Math.sqrt(1 - c);
  const s = new Float64Array(basisRank);
  for (let n = 0; n < count; n++) {
    y[n] = rng.int(numClasses);
    for (let k = 0; k < basisRank; k++) s[k] = structure === "shared" ? 1 : rng.normal();
    for (let j = 0; j < features; j++) {
      let low = 0;
      for (let k = 0; k < basisRank; k++) low += basis[j * basisRank + k] * s[k];
      x[n * features + j] = a * low + b * rng.normal();
    }
  }
  return { x, y, count, sampleShape: [features] };
}
