/**
 * The explosion over the first steps of training: per step and per layer, the kernel's
 * gradient norm, the learning rate the optimizer applied to it, and how correlated the
 * samples' activations are at that layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model } from "../models/types.ts";
import type { Split } from "../data/types.ts";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import { interiorRatioIndices, layerRatios } from "./gradnorms.ts";
import { crossEntropy } from "../train/step.ts";
import { meanPairwiseCosine } from "./correlation.ts";

/** One layer's numbers as an optimizer reports them after a step (src/optim's `layerStats`). */
export interface LayerStat {
  /** Variable name. */
  readonly name: string;
  /** The layer's trust ratio (1 where the method has none). */
  readonly trustRatio: number;
  /** The learning rate the step applied to this variable. */
  readonly learningRate: number;
}

/** What to trace. */
export interface TraceConfig {
  /** A freshly built model; it is trained in place (the caller disposes it). */
  readonly model: Model;
  /** The optimizer. */
  readonly optimizer: tf.Optimizer;
  /**
   * Reads the per-variable rates of the optimizer's last step (src/optim's `layerStats` of an
   * optimizer built with `recordLayerStats: true`); absent: every layer got the global rate.
   */
  readonly layerStats?: () => Promise<LayerStat[]>;
  /** The global learning rate at a step (0-based), used for layers the optimizer reports no rate for. */
  readonly learningRate: (step: number) => number;
  /** Training data. */
  readonly train: Split;
  /** Samples per batch (the last short batch of an epoch is skipped). */
  readonly batchSize: number;
  /** Steps to take. */
  readonly steps: number;
  /** Seed of the data order. */
  readonly seed: number;
  /** Called after each step with its record (e.g. for progress output). */
  readonly onStep?: (record: StepRecord) => void;
}

/** Everything recorded at one step, per layer in forward order (classifier last). */
export interface StepRecord {
  /** Step index, 0-based: step 0's numbers are those of the initialized network. */
  readonly step: number;
  /** Mean cross-entropy of the batch before the update. */
  readonly loss: number;
  /** Kernel gradient norm per weight layer. */
  readonly gradNorms: number[];
  /** Learning rate applied to each kernel at this step. */
  readonly learningRates: number[];
  /** Mean pairwise cosine similarity of each block's post-activation outputs; NaN for the classifier. */
  readonly correlations: number[];
  /** Mean interior ratio of consecutive gradient norms (the explosion rate at this step). */
  readonly meanRatio: number;
}

/**
 * Trains `config.model` for `config.steps` steps and records each step. Nothing leaks: every
 * tensor of a step is disposed before the next.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { makeSyntheticDataset } from "@lalc/large-batch/data";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { traceTraining } from "./trace.ts";
 * await useBackend("cpu");
 * const data = makeSyntheticDataset({ trainCount: 64, testCount: 8 });
 * const model = buildModel({ kind: "mlp", depth: 4, width: 8, seed: 0 }, data.train.sampleShape, data.numClasses);
 * const optimizer = tf.train.sgd(0.1);
 * const records = await traceTraining({ model, optimizer, learningRate: () => 0.1,
 *   train: data.train, batchSize: 16, steps: 3, seed: 0 });
 * assertEquals(records.map((r) => r.step), [0, 1, 2]);
 * assertEquals(records[0].gradNorms.length, model.layers.length);
 * model.dispose();
 * optimizer.dispose();
 * ```
 */
export async function traceTraining(config: TraceConfig): Promise<StepRecord[]> {
  const { model, optimizer, train, batchSize, steps, seed } = config;
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize > train.count) {
    throw new Error(`batchSize must be an integer in [2, ${train.count}], got ${batchSize}`);
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`steps must be a positive integer, got ${steps}`);
  }
  const blocks = model.spec.depth;
  const interior = interiorRatioIndices(blocks);
  const kernels = model.layers.map((l) => l.kernel);
  const perEpoch = Math.floor(train.count / batchSize);
  const records: StepRecord[] = [];
  let order = shuffledOrder(train.count, seed, 0);
  for (let step = 0; step < steps; step++) {
    const epoch = Math.floor(step / perEpoch);
    if (step > 0 && step % perEpoch === 0) order = shuffledOrder(train.count, seed, epoch);
    const { x, y } = gatherBatch(train, order, (step % perEpoch) * batchSize, batchSize);
    const out = tf.tidy(() => {
      let activations: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const f = model.forward(x, { training: true, keepActivations: true });
        // Kept past the gradient scope, which disposes its intermediates; the statistic is
        // computed outside it so that its ops stay off the tape.
        activations = (f.activations ?? []).map((a) => tf.keep(a));
        return crossEntropy(f.logits, y);
      }, model.params);
      const correlations = tf.stack(activations.map(meanPairwiseCosine)) as tf.Tensor1D;
      tf.dispose(activations);
      const norms = tf.stack(kernels.map((k) => tf.norm(grads[k.name]))) as tf.Tensor1D;
      optimizer.applyGradients(grads);
      return { value, norms, correlations };
    });
    const [loss, norms, corr] = await Promise.all([
      out.value.data(),
      out.norms.data(),
      out.correlations.data(),
    ]);
    tf.dispose([x, y, out.value, out.norms, out.correlations]);
    const global = config.learningRate(step);
    const byName = new Map<string, number>();
    if (config.layerStats !== undefined) {
      for (const s of await config.layerStats()) byName.set(s.name, s.learningRate);
    }
    const gradNorms = Array.from(norms);
    const ratios = layerRatios(gradNorms);
    const record: StepRecord = {
      step,
      loss: loss[0],
      gradNorms,
      learningRates: kernels.map((k) => byName.get(k.name) ?? global),
      correlations: kernels.map((_, i) => (i < corr.length ? corr[i] : NaN)),
      meanRatio: interior.reduce((a, i) => a + ratios[i], 0) / interior.length,
    };
    records.push(record);
    config.onStep?.(record);
  }
  return records;
}
