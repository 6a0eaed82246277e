/**
 * The gradient explosion of a freshly initialized BN-ReLU network: per-layer weight-gradient
 * norms, averaged over seeds, and the mean ratio between consecutive interior layers, next to
 * the mean-field value `sqrt(pi / (pi - 1))`.
 *
 * Why the value: after BN a unit is N(0, 1); ReLU leaves a batch variance of
 * `1/2 - 1/(2 pi)` where He initialization assumes `1/2`, so the next pre-BN batch variance is
 * `(pi - 1) / pi`. BN's backward pass divides by that standard deviation, so every block
 * multiplies the gradient norm by `sqrt(pi / (pi - 1)) ~= 1.211` on its way to the input.
 * Small batches add a finite-sample excess (about 1.32 at batch 8).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model, ModelSpec } from "../models/types.ts";
import { type CorrelationStructure, makeGaussianInputs } from "../data/synthetic.ts";
import { interiorRatioIndices, kernelGradNorms, layerRatios, type ProbeLoss } from "./gradnorms.ts";
import { mean } from "../stats/stats.ts";

/** `sqrt(pi / (pi - 1)) ~= 1.2111`: the per-layer gradient growth of a wide, large-batch BN-ReLU net. */
export const THEORETICAL_RATIO: number = Math.sqrt(Math.PI / (Math.PI - 1));

/** Builds a model, as `buildModel` in src/models does. */
export type ModelBuilder = (
  spec: ModelSpec,
  inputShape: readonly number[],
  numClasses: number,
) => Model;

/** One configuration of the measurement. */
export interface ExplosionConfig {
  /** Network family: `mlp` or `cnn`. */
  readonly kind: "mlp" | "cnn";
  /** Number of Linear/Conv -> BN -> ReLU blocks (at least 3, to have an interior ratio). */
  readonly depth: number;
  /** Hidden width (MLP units or CNN channels). */
  readonly width: number;
  /** Samples per batch (at least 2: BN needs a batch). */
  readonly batchSize: number;
  /** Shape of one input sample; default `[width]` for an MLP, `[16, 16, 3]` for a CNN. */
  readonly sampleShape?: readonly number[];
  /** First seed; seeds `seed .. seed + seeds - 1` are measured. Default 0. */
  readonly seed?: number;
  /** Number of seeds averaged. Default 1. */
  readonly seeds?: number;
  /** Batch normalization on (default) or off (the control). */
  readonly batchNorm?: boolean;
  /** `relu` (default) or `linear` (the control). */
  readonly activation?: "relu" | "linear";
  /**
   * Fraction `c` in [0, 1) of each input feature's variance in a component correlated across
   * samples (see `makeGaussianInputs`). Default 0: independent Gaussian samples.
   */
  readonly correlation?: number;
  /** `lowRank` (a rank-`rank` component, which BN keeps; default) or `shared` (BN removes it). */
  readonly structure?: CorrelationStructure;
  /** Rank of the `lowRank` component. Default 1. */
  readonly rank?: number;
  /** Top of the backward pass. Default `random` (see `kernelGradNorms` for why). */
  readonly loss?: ProbeLoss;
  /** Number of classes of the classifier. Default 10. */
  readonly numClasses?: number;
}

/** What one configuration measured. */
export interface ExplosionResult {
  /** The configuration, with defaults filled in. */
  readonly config: Required<ExplosionConfig>;
  /** Kernel gradient norm per weight layer, input side first, classifier last (mean over seeds). */
  readonly layers: number[];
  /** `layers[i] / layers[i + 1]`, each averaged over seeds. */
  readonly ratios: number[];
  /** Indices into `ratios` that count as interior (see `interiorRatioIndices`). */
  readonly interior: number[];
  /** Mean of the interior ratios. */
  readonly meanRatio: number;
  /** Standard deviation over seeds of each seed's mean interior ratio (0 for one seed). */
  readonly meanRatioSd: number;
  /** Each seed's mean interior ratio. */
  readonly seedMeanRatios: number[];
  /** `sqrt(pi / (pi - 1))`, for comparison. */
  readonly theory: number;
}

function positiveInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Fills in defaults and checks every field; throws an Error naming the bad one. */
export function resolveConfig(config: ExplosionConfig): Required<ExplosionConfig> {
  if (config.kind !== "mlp" && config.kind !== "cnn") {
    throw new Error(`kind must be "mlp" or "cnn", got "${config.kind}"`);
  }
  positiveInt("depth", config.depth, 3);
  positiveInt("width", config.width, 1);
  positiveInt("batchSize", config.batchSize, 2);
  const resolved: Required<ExplosionConfig> = {
    kind: config.kind,
    depth: config.depth,
    width: config.width,
    batchSize: config.batchSize,
    sampleShape: config.sampleShape ?? (config.kind === "mlp" ? [config.width] : [16, 16, 3]),
    seed: config.seed ?? 0,
    seeds: config.seeds ?? 1,
    batchNorm: config.batchNorm ?? true,
    activation: config.activation ?? "relu",
    correlation: config.correlation ?? 0,
    structure: config.structure ?? "lowRank",
    rank: config.rank ?? 1,
    loss: config.loss ?? "random",
    numClasses: config.numClasses ?? 10,
  };
  positiveInt("seed", resolved.seed, 0);
  positiveInt("seeds", resolved.seeds, 1);
  positiveInt("rank", resolved.rank, 1);
  if (!(resolved.correlation >= 0 && resolved.correlation < 1)) {
    throw new Error(`correlation must be in [0, 1), got ${resolved.correlation}`);
  }
  if (resolved.structure !== "lowRank" && resolved.structure !== "shared") {
    throw new Error(`structure must be "lowRank" or "shared", got "${resolved.structure}"`);
  }
  positiveInt("numClasses", resolved.numClasses, 2);
  if (resolved.activation !== "relu" && resolved.activation !== "linear") {
    throw new Error(`activation must be "relu" or "linear", got "${resolved.activation}"`);
  }
  if (resolved.kind === "cnn" && resolved.sampleShape.length !== 3) {
    throw new Error(
      `sampleShape of a cnn must be [height, width, channels], got [${resolved.sampleShape}]`,
    );
  }
  return resolved;
}

/**
 * Measures the per-layer gradient norms of `config.seeds` freshly built networks, each on
 * its own seeded input batch, and summarizes them. Every tensor it makes is disposed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { measureExplosion } from "@lalc/large-batch/diagnostics";
 * await useBackend("cpu");
 * const r = await measureExplosion(buildModel, { kind: "mlp", depth: 5, width: 32, batchSize: 32, seeds: 1 });
 * assertEquals([r.layers.length, r.ratios.length], [6, 5]); // 5 blocks and the classifier
 * assertEquals(Number.isFinite(r.meanRatio), true);
 * ```
 */
export async function measureExplosion(
  build: ModelBuilder,
  config: ExplosionConfig,
): Promise<ExplosionResult> {
  const c = resolveConfig(config);
  const interior = interiorRatioIndices(c.depth);
  const perSeedNorms: number[][] = [];
  for (let s = c.seed; s < c.seed + c.seeds; s++) {
    const model = build(
      {
        kind: c.kind,
        depth: c.depth,
        width: c.width,
        seed: s,
        batchNorm: c.batchNorm,
        activation: c.activation,
      },
      c.sampleShape,
      c.numClasses,
    );
    try {
      // Labels are uniform and independent of x: the probe is about the backward pass only.
      const split = makeGaussianInputs({
        count: c.batchSize,
        features: c.sampleShape.reduce((a, b) => a * b, 1),
        seed: s,
        correlation: c.correlation,
        structure: c.structure,
        rank: c.rank,
        numClasses: c.numClasses,
      });
      const x = tf.tensor(split.x, [c.batchSize, ...c.sampleShape], "float32");
      const labels = tf.tensor1d(split.y, "int32");
      const norms = kernelGradNorms(model, x, labels, c.loss, s);
      perSeedNorms.push(Array.from(await norms.data()));
      tf.dispose([x, labels, norms]);
    } finally {
      model.dispose();
    }
  }
  const layers = perSeedNorms[0].map((_, i) => mean(perSeedNorms.map((n) => n[i])));
  const perSeedRatios = perSeedNorms.map(layerRatios);
  const ratios = perSeedRatios[0].map((_, i) => mean(perSeedRatios.map((r) => r[i])));
  const seedMeanRatios = perSeedRatios.map((r) => mean(interior.map((i) => r[i])));
  const meanRatio = mean(seedMeanRatios);
  const meanRatioSd = seedMeanRatios.length < 2 ? 0 : Math.sqrt(
    seedMeanRatios.reduce((a, v) => a + (v - meanRatio) ** 2, 0) / (seedMeanRatios.length - 1),
  );
  return {
    config: c,
    layers,
    ratios,
    interior,
    meanRatio,
    meanRatioSd,
    seedMeanRatios,
    theory: THEORETICAL_RATIO,
  };
}
