/**
 * The training loop of one run: batches, steps, evaluation, divergence, timing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import { buildModel } from "../models/build.ts";
import type { Model } from "../models/types.ts";
import { ChainOptimizer, inheritsFrom } from "../optim/optimizer.ts";
import { accuracy } from "./evaluate.ts";
import { GradNormTracker, LossMonitor } from "./stability.ts";
import { trainStep } from "./step.ts";
import type { CurvePoint, RunConfig, RunResult, RunStatus } from "./types.ts";

/**
 * Losses and norms are read back once per this many steps (or at an evaluation point):
 * one device-to-CPU transfer instead of one per step, while a diverged run is still
 * caught within a few steps.
 */
const READ_EVERY = 8;

/**
 * The learning rate an optimizer applies at `step`, when it says: this project's
 * optimizers through `learningRateAt`, tf.js's own through their numeric `learningRate`.
 * NaN when it does not say.
 */
export function learningRateAt(optimizer: tf.Optimizer, step: number): number {
  if (inheritsFrom(optimizer, ChainOptimizer)) return optimizer.learningRateAt(step);
  const rate: unknown = Reflect.get(optimizer, "learningRate");
  return typeof rate === "number" ? rate : NaN;
}

/** Steps per epoch (the last partial batch is dropped) and the run's total steps. */
export function runLength(config: RunConfig): { stepsPerEpoch: number; totalSteps: number } {
  const count = config.dataset.train.count;
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${config.batchSize}`);
  }
  if (config.batchSize > count) {
    throw new Error(
      `batchSize ${config.batchSize} is larger than the training split (${count} samples)`,
    );
  }
  const stepsPerEpoch = Math.floor(count / config.batchSize);
  const { steps, epochs } = config;
  if (steps !== undefined) {
    if (!Number.isInteger(steps) || steps < 1) {
      throw new Error(`steps must be a positive integer, got ${steps}`);
    }
    return { stepsPerEpoch, totalSteps: steps };
  }
  if (epochs === undefined || !(epochs > 0) || !Number.isFinite(epochs)) {
    throw new Error(`epochs must be a positive number when steps is not set, got ${epochs}`);
  }
  return { stepsPerEpoch, totalSteps: Math.max(1, Math.round(epochs * stepsPerEpoch)) };
}

/**
 * Trains a fresh model as `config` says and returns its metrics and curve.
 *
 * Never throws for a training failure: NaN/Inf or exploding loss ends the run as
 * `diverged`, an exception as `error`. Invalid configurations (batch larger than the data,
 * non-positive steps) do throw, before anything is built.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { makeSyntheticDataset } from "@lalc/large-batch/data";
 * import { momentum } from "@lalc/large-batch";
 * import { trainRun } from "@lalc/large-batch/train";
 * await useBackend("cpu");
 * const result = await trainRun({
 *   dataset: makeSyntheticDataset({ trainCount: 256, testCount: 64 }),
 *   model: { kind: "mlp", depth: 2, width: 16, seed: 1 },
 *   makeOptimizer: () => momentum({ learningRate: 0.1 }),
 *   batchSize: 64,
 *   epochs: 1,
 *   seed: 1,
 * });
 * assertEquals([result.status, result.steps], ["ok", 4]);
 * ```
 */
export async function trainRun(config: RunConfig): Promise<RunResult> {
  const { stepsPerEpoch, totalSteps } = runLength(config);
  const { dataset, batchSize } = config;
  const evalEvery = config.evalEvery ?? 0;
  const monitor = new LossMonitor(config.divergenceFactor ?? 10);

  let model: Model | undefined;
  let optimizer: tf.Optimizer | undefined;
  const curve: CurvePoint[] = [];
  let status: RunStatus = "ok";
  let error: string | undefined;
  let step = 0;
  let trainSeconds = 0;
  const gradNorms = new GradNormTracker();
  let stepsToTarget: number | null = null;
  let bestTestAccuracy = NaN;
  let lastTestAccuracy = NaN;
  let lastValAccuracy = NaN;
  let intervalLoss = 0;
  let intervalSteps = 0;
  let lastNorms: Float32Array | undefined;
  const pending: { loss: tf.Scalar; norms: tf.Tensor1D }[] = [];

  // Reads every pending step's loss and norms with one transfer; returns true on divergence.
  const drain = async (): Promise<boolean> => {
    if (pending.length === 0) return false;
    const packed = tf.tidy(() =>
      tf.concat(pending.map(({ loss, norms }) => tf.concat([tf.reshape(loss, [1]), norms])))
    );
    const values = await packed.data() as Float32Array;
    const width = pending[0].norms.shape[0] + 1;
    tf.dispose([packed, ...pending.flatMap(({ loss, norms }) => [loss, norms])]);
    const n = pending.length;
    pending.length = 0;
    let diverged = false;
    for (let i = 0; i < n; i++) {
      const row = values.subarray(i * width, (i + 1) * width);
      const loss = row[0];
      intervalLoss += loss;
      intervalSteps++;
      gradNorms.push(row[width - 1]);
      lastNorms = row.slice(1);
      if (monitor.push(loss)) diverged = true;
    }
    return diverged;
  };

  // With a validation split, curve points and the target use validation accuracy and the
  // test set is evaluated once, in full, at the end (it is only reported, never chosen on).
  const evaluate = async (final: boolean): Promise<void> => {
    const { validation, test } = dataset;
    const limit = config.evalSamples ?? Infinity;
    let val = NaN;
    let testAcc = NaN;
    if (validation) {
      val = await accuracy(model!, validation, final ? validation.count : limit);
      if (final) lastValAccuracy = val;
    }
    if (final || !validation) {
      testAcc = await accuracy(model!, test, final ? test.count : limit);
      if (final) lastTestAccuracy = testAcc;
      if (!(bestTestAccuracy >= testAcc)) bestTestAccuracy = testAcc;
    }
    const tracked = validation ? val : testAcc;
    if (
      stepsToTarget === null && config.targetAccuracy !== undefined &&
      tracked >= config.targetAccuracy
    ) stepsToTarget = step;
    pushPoint(testAcc, val);
  };

  const pushPoint = (testAccuracy: number, valAccuracy = NaN): void => {
    const norms = lastNorms ?? new Float32Array(1).fill(NaN);
    const layerNorms = Array.from(norms.subarray(0, norms.length - 1));
    const point: CurvePoint = {
      step,
      epoch: step / stepsPerEpoch,
      learningRate: learningRateAt(optimizer!, step - 1),
      trainLoss: intervalSteps > 0 ? intervalLoss / intervalSteps : NaN,
      testAccuracy,
      valAccuracy,
      gradNorm: norms[norms.length - 1],
      layerGradNormMin: layerNorms.length ? Math.min(...layerNorms) : NaN,
      layerGradNormMax: layerNorms.length ? Math.max(...layerNorms) : NaN,
    };
    curve.push(point);
    config.onPoint?.(point);
    intervalLoss = 0;
    intervalSteps = 0;
  };

  try {
    model = buildModel(config.model, dataset.train.sampleShape, dataset.numClasses);
    optimizer = config.makeOptimizer(totalSteps, stepsPerEpoch);
    let order: Int32Array | undefined;
    let orderEpoch = -1;
    for (step = 0; step < totalSteps;) {
      const epoch = Math.floor(step / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = shuffledOrder(dataset.train.count, config.seed, epoch);
        orderEpoch = epoch;
      }
      const started = performance.now();
      const batch = gatherBatch(
        dataset.train,
        order!,
        (step % stepsPerEpoch) * batchSize,
        batchSize,
      );
      pending.push(trainStep(model, optimizer, batch.x, batch.y));
      tf.dispose([batch.x, batch.y]);
      step++;
      const atEval = (evalEvery > 0 && step % evalEvery === 0) || step === totalSteps;
      const diverged = (pending.length >= READ_EVERY || atEval) && await drain();
      trainSeconds += (performance.now() - started) / 1000;
      if (diverged) {
        status = "diverged";
        pushPoint(NaN);
        break;
      }
      if (atEval) await evaluate(step === totalSteps);
    }
  } catch (e) {
    status = "error";
    error = e instanceof Error ? e.message : String(e);
  } finally {
    tf.dispose(pending.flatMap(({ loss, norms }) => [loss, norms]));
    optimizer?.dispose();
    model?.dispose();
  }

  const last = curve.at(-1);
  return {
    status,
    steps: step,
    epochs: step / stepsPerEpoch,
    finalTrainLoss: last?.trainLoss ?? NaN,
    finalTestAccuracy: status === "ok" ? lastTestAccuracy : NaN,
    bestTestAccuracy,
    valAccuracy: status === "ok" ? lastValAccuracy : NaN,
    valSamples: dataset.validation?.count ?? 0,
    testSamples: dataset.test.count,
    stepsToTarget,
    maxGradNorm: gradNorms.max,
    maxGradNormAfterFirst: gradNorms.maxAfterFirst,
    gradNormGrowth: gradNorms.growth,
    lossSpikes: monitor.spikes,
    wallSeconds: trainSeconds,
    samplesPerSec: trainSeconds > 0 ? (step * batchSize) / trainSeconds : 0,
    curve,
    ...(error !== undefined ? { error } : {}),
  };
}
