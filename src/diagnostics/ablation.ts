/**
 * Which part of what training changed makes the gradient ratio fade: the trained network is
 * measured as it is, and with one part of its training undone at a time:
 *
 * - the kernels' updates `K - K_0` with their rows (input units) permuted and sign-flipped at
 *   random: the update keeps its singular values (its own low rank, "the weights' own
 *   correlations") but loses its alignment with the previous layer's activations;
 * - the updates replaced by isotropic Gaussian noise of the same Frobenius norm: the kernels
 *   grow as much but lose all the structure the updates gave them;
 * - BN's `gamma` and `beta` reset to their initial values (1 and 0).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model } from "../models/types.ts";
import type { Split } from "../data/types.ts";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import { createRng, hashSeed, normalArray } from "../data/random.ts";
import { interiorRatioIndices, kernelGradNorms, layerRatios } from "./gradnorms.ts";
import { measureNetwork } from "./block_stats.ts";
import { predictedRatios } from "./prediction.ts";

/** The network variants measured, in `ablation.csv` order. */
export const ABLATION_PARTS = [
  "trained",
  "kernel updates' input side permuted",
  "kernel updates made isotropic",
  "BN gamma and beta reset",
  "both undone",
  "initial",
] as const;

/** One of {@link ABLATION_PARTS}. */
export type AblationPart = typeof ABLATION_PARTS[number];

/** A variant's interior means, averaged over the probe batches. */
export interface AblationResult {
  /** Which variant. */
  readonly part: AblationPart;
  /** Measured mean interior ratio (cross-entropy gradient, batch statistics). */
  readonly meanRatio: number;
  /** The measured-variance prediction's mean interior ratio. */
  readonly predictedMeanRatio: number;
  /** The retention prediction's mean interior ratio (uncorrelated units). */
  readonly predictedRetentionMeanRatio: number;
  /** Interior mean of `sum s^2 / sum shat^2`. */
  readonly unitCorrelationFactor: number;
  /** Interior mean of ReLU's variance retention. */
  readonly varianceRetention: number;
  /** Interior mean of the gate-open fraction. */
  readonly gateOpen: number;
}

/** A copy of every trainable variable's value, by name (the caller disposes it). */
export function snapshotParams(model: Model): Map<string, tf.Tensor> {
  return new Map(model.params.map((p) => [p.name, tf.clone(p)]));
}

function isNormParam(name: string): boolean {
  return /\/(gamma|beta)$/.test(name);
}

/**
 * Measures the variants of {@link ABLATION_PARTS} on `batches` batches of `batchSize` samples
 * drawn from `train` with its own order (seed `seed`, an epoch no training run reaches), and
 * leaves the model as it found it. `initial` holds the variables' values before training
 * ({@link snapshotParams}). Needs a BN-ReLU MLP. Leaks no tensor.
 *
 * @example
 * ```ts ignore
 * const initial = snapshotParams(model);
 * // ... train the model ...
 * const rows = await ablateTraining(model, initial, data.train, 64, 4, 0);
 * tf.dispose([...initial.values()]);
 * ```
 */
export async function ablateTraining(
  model: Model,
  initial: ReadonlyMap<string, tf.Tensor>,
  train: Split,
  batchSize: number,
  batches: number,
  seed: number,
): Promise<AblationResult[]> {
  const depth = model.layers.length - 1;
  const interior = interiorRatioIndices(depth);
  const hiddenKernels = new Set(model.layers.slice(0, -1).map((l) => l.kernel.name));
  const trained = snapshotParams(model);
  // Isotropic noise with the norm of each hidden kernel's update, from the project's seeded
  // generator (the same on every backend).
  const isotropic = new Map<string, tf.Tensor>();
  const permuted = new Map<string, tf.Tensor>();
  for (const p of model.params) {
    if (!hiddenKernels.has(p.name)) continue;
    const k0 = initial.get(p.name)!;
    const rng = createRng(hashSeed(seed, "ablation", p.name));
    const rows = p.shape[0];
    // A random signed permutation of the input units: an orthogonal map of the rows.
    const perm = Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const signs = Array.from({ length: rows }, () => (rng.uniform() < 0.5 ? -1 : 1));
    permuted.set(
      p.name,
      tf.tidy(() => {
        const update = tf.sub(trained.get(p.name)!, k0);
        const moved = tf.mul(tf.gather(update, perm), tf.tensor(signs, [rows, 1]));
        return tf.add(k0, moved);
      }),
    );
    isotropic.set(
      p.name,
      tf.tidy(() => {
        const update = tf.sub(trained.get(p.name)!, k0);
        const noise = tf.tensor(normalArray(rng, p.size), p.shape);
        return tf.add(k0, tf.mul(noise, tf.div(tf.norm(update), tf.norm(noise))));
      }),
    );
  }
  const order = shuffledOrder(train.count, seed, 1_000_000);
  const out: AblationResult[] = [];
  try {
    for (const part of ABLATION_PARTS) {
      for (const p of model.params) {
        const undoKernel = (part === "kernel updates made isotropic" || part === "both undone") &&
          hiddenKernels.has(p.name);
        const permute = part === "kernel updates' input side permuted" && hiddenKernels.has(p.name);
        const undoNorm = (part === "BN gamma and beta reset" || part === "both undone") &&
          isNormParam(p.name);
        const value = part === "initial" || undoNorm
          ? initial.get(p.name)!
          : undoKernel
          ? isotropic.get(p.name)!
          : permute
          ? permuted.get(p.name)!
          : trained.get(p.name)!;
        p.assign(value);
      }
      const sums = { ratio: 0, full: 0, diag: 0, factor: 0, retention: 0, open: 0 };
      for (let b = 0; b < batches; b++) {
        const { x, y } = gatherBatch(train, order, (b * batchSize) % train.count, batchSize);
        try {
          const norms = kernelGradNorms(model, x, y, "ce", seed);
          const ratios = layerRatios(Array.from(await norms.data()));
          norms.dispose();
          const m = await measureNetwork(model, x);
          const inner = (values: readonly number[]) =>
            interior.reduce((a, i) => a + values[i], 0) / interior.length;
          sums.ratio += inner(ratios);
          sums.full += inner(predictedRatios(m, "measured-variance"));
          sums.diag += inner(predictedRatios(m, "retention"));
          const blocks = interior.map((i) => m.blocks[i]);
          const blockMean = (f: "unitCorrelationFactor" | "varianceRetention" | "gateOpen") =>
            blocks.reduce((a, bl) => a + bl[f], 0) / blocks.length;
          sums.factor += blockMean("unitCorrelationFactor");
          sums.retention += blockMean("varianceRetention");
          sums.open += blockMean("gateOpen");
        } finally {
          tf.dispose([x, y]);
        }
      }
      out.push({
        part,
        meanRatio: sums.ratio / batches,
        predictedMeanRatio: sums.full / batches,
        predictedRetentionMeanRatio: sums.diag / batches,
        unitCorrelationFactor: sums.factor / batches,
        varianceRetention: sums.retention / batches,
        gateOpen: sums.open / batches,
      });
    }
  } finally {
    for (const p of model.params) p.assign(trained.get(p.name)!);
    tf.dispose([...trained.values(), ...isotropic.values(), ...permuted.values()]);
  }
  return out;
}
