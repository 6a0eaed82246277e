/**
 * The mechanism test's training loop: any optimizer on a BN-ReLU MLP or ResNet, recording at
 * every step the measured per-layer gradient ratios and, every few steps (MLP only), the
 * correlation measures and the ratios they predict (on the same batch, with the weights the
 * step's gradient is taken at).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model } from "../models/types.ts";
import type { Split } from "../data/types.ts";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import { interiorRatioIndices, layerRatios } from "./gradnorms.ts";
import { crossEntropy } from "../train/step.ts";
import { measureNetwork, type NetworkMeasures } from "./block_stats.ts";

/** What to run. */
export interface MechanismConfig {
  /**
   * A freshly built BN-ReLU MLP or ResNet; trained in place (the caller disposes it). The
   * measures and predictions of `block_stats.ts` are derived for an MLP's chain of blocks:
   * for another model only the gradient ratios are recorded.
   */
  readonly model: Model;
  /** The optimizer (the caller disposes it). */
  readonly optimizer: tf.Optimizer;
  /** The learning rate the optimizer applies at a step (recorded, not applied here). */
  readonly learningRate: (step: number) => number;
  /** Training data. */
  readonly train: Split;
  /** Samples per batch (an epoch's last short batch is skipped). */
  readonly batchSize: number;
  /** Steps. */
  readonly steps: number;
  /** Seed of the data order. */
  readonly seed: number;
  /** Measure every this many steps (and at step 0). */
  readonly measureEvery: number;
}

/** One step. */
export interface MechanismStep {
  /** 0-based; step 0 is the initialized network. */
  readonly step: number;
  /** Cross-entropy of the batch before the update. */
  readonly loss: number;
  /** Learning rate of this step's update. */
  readonly learningRate: number;
  /** Measured `norm_i / norm_{i+1}` of the kernel-gradient norms (blocks then classifier). */
  readonly ratios: number[];
  /** Mean of the interior ratios. */
  readonly meanRatio: number;
  /** Whether this is a measurement step (step 0 and every `measureEvery` steps). */
  readonly measurement: boolean;
  /** The measures of this step's batch, on measurement steps of an MLP. */
  readonly measures?: NetworkMeasures;
}

/**
 * Trains and records; leaks no tensor (every tensor of a step is disposed before the next).
 *
 * @example
 * ```ts ignore
 * const steps = await runMechanism({ model, optimizer, learningRate: () => 0.025,
 *   train: data.train, batchSize: 64, steps: 200, seed: 0, measureEvery: 5 });
 * ```
 */
export async function runMechanism(config: MechanismConfig): Promise<MechanismStep[]> {
  const { model, optimizer, train, batchSize, steps, seed, measureEvery } = config;
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize > train.count) {
    throw new Error(`batchSize must be an integer in [2, ${train.count}], got ${batchSize}`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be >= 1, got ${steps}`);
  if (!Number.isInteger(measureEvery) || measureEvery < 1) {
    throw new Error(`measureEvery must be >= 1, got ${measureEvery}`);
  }
  // The hidden weight layers (all but the classifier): an MLP's blocks, a ResNet's convs.
  const interior = interiorRatioIndices(model.layers.length - 1);
  const measurable = model.spec.kind === "mlp";
  const kernels = model.layers.map((l) => l.kernel);
  const perEpoch = Math.floor(train.count / batchSize);
  const out: MechanismStep[] = [];
  let order = shuffledOrder(train.count, seed, 0);
  for (let step = 0; step < steps; step++) {
    if (step > 0 && step % perEpoch === 0) {
      order = shuffledOrder(train.count, seed, Math.floor(step / perEpoch));
    }
    const { x, y } = gatherBatch(train, order, (step % perEpoch) * batchSize, batchSize);
    try {
      const measurement = step % measureEvery === 0;
      const measures = measurement && measurable ? await measureNetwork(model, x) : undefined;
      const res = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(model.forward(x, { training: true }).logits, y),
          model.params,
        );
        const norms = tf.stack(kernels.map((k) => tf.norm(grads[k.name])));
        optimizer.applyGradients(grads);
        return { value, norms };
      });
      const [loss, norms] = await Promise.all([res.value.data(), res.norms.data()]);
      tf.dispose([res.value, res.norms]);
      const ratios = layerRatios(Array.from(norms));
      out.push({
        step,
        loss: loss[0],
        learningRate: config.learningRate(step),
        ratios,
        meanRatio: interior.reduce((a, i) => a + ratios[i], 0) / interior.length,
        measurement,
        measures,
      });
    } finally {
      tf.dispose([x, y]);
    }
  }
  return out;
}

/**
 * The fade time of a run: the first step `s` at which the mean of `meanRatios[s .. s+window)`
 * is below `threshold`; `undefined` when no complete window of the run is (the run is
 * censored at its length).
 *
 * @example
 * ```ts
 * import { stepsToFade } from "./mechanism.ts";
 * const s = stepsToFade([1.2, 1.1, 1.04, 1.03, 1.06, 1.0], 1.05, 3);
 * if (s !== 2) throw new Error(`got ${s}`);
 * ```
 */
export function stepsToFade(
  meanRatios: readonly number[],
  threshold: number,
  window: number,
): number | undefined {
  for (let s = 0; s + window <= meanRatios.length; s++) {
    let sum = 0;
    for (let k = s; k < s + window; k++) sum += meanRatios[k];
    if (sum / window < threshold) return s;
  }
  return undefined;
}
