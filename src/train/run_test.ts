import * as tf from "@tensorflow/tfjs-core";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { runLength, trainRun } from "./run.ts";
import type { RunConfig } from "./types.ts";

await useBackend("cpu");

const dataset = makeSyntheticDataset({
  trainCount: 512,
  testCount: 256,
  sampleShape: [16],
  numClasses: 4,
  correlation: 0.5,
  seed: 3,
});

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    dataset,
    model: { kind: "mlp", depth: 3, width: 32, seed: 1 },
    // Plain SGD: tf.train.momentum keeps one tensor after dispose() in tf.js 4.22.
    makeOptimizer: () => tf.train.sgd(0.2),
    batchSize: 64,
    epochs: 3,
    seed: 7,
    evalEvery: 8,
    ...overrides,
  };
}

Deno.test("trainRun learns a separable task, reports its curve and leaks nothing", async () => {
  const before = tf.memory().numTensors;
  const points: number[] = [];
  const result = await trainRun(config({ onPoint: (p) => points.push(p.step) }));
  assertEquals(tf.memory().numTensors, before);
  assertEquals(result.status, "ok");
  assertEquals(result.steps, 24); // 3 epochs x floor(512 / 64)
  assertEquals(result.epochs, 3);
  assertEquals(points, [8, 16, 24]);
  const first = result.curve[0].trainLoss;
  assert(result.finalTrainLoss < 0.5 * first, `loss ${first} -> ${result.finalTrainLoss}`);
  // 4 classes: chance is 0.25; with correlation 0.5 the classes are easy.
  assert(result.finalTestAccuracy > 0.8, `accuracy ${result.finalTestAccuracy}`);
  assert(result.bestTestAccuracy >= result.finalTestAccuracy);
  assertEquals(result.curve[0].learningRate, 0.2);
  assert(result.maxGradNorm > 0 && Number.isFinite(result.maxGradNorm));
  assert(result.curve.every((p) => p.layerGradNormMin <= p.layerGradNormMax));
  assert(result.samplesPerSec > 0);
});

Deno.test("trainRun is reproducible: same seeds give identical losses and accuracies", async () => {
  const a = await trainRun(config({ epochs: 1 }));
  const b = await trainRun(config({ epochs: 1 }));
  assertEquals(
    a.curve.map((p) => [p.trainLoss, p.testAccuracy, p.gradNorm]),
    b.curve.map((p) => [p.trainLoss, p.testAccuracy, p.gradNorm]),
  );
  const c = await trainRun(config({ epochs: 1, seed: 8 }));
  assert(c.curve[0].trainLoss !== a.curve[0].trainLoss, "another data order changes the loss");
});

Deno.test("a diverging run ends as `diverged`, not as an exception", async () => {
  const before = tf.memory().numTensors;
  const result = await trainRun(config({ makeOptimizer: () => tf.train.sgd(1e6), epochs: 5 }));
  assertEquals(result.status, "diverged");
  assert(result.steps < 40, `stopped early at step ${result.steps}`);
  // Its norms went non-finite after the first update.
  assertEquals(
    [result.maxGradNorm, result.maxGradNormAfterFirst, result.gradNormGrowth],
    [Infinity, Infinity, Infinity],
  );
  assert(Number.isNaN(result.finalTestAccuracy));
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("the stability measures after the first update fold the per-step norms", async () => {
  // Evaluating after every step makes the curve hold every step's global norm.
  const before = tf.memory().numTensors;
  const result = await trainRun(config({
    model: { kind: "mlp", depth: 2, width: 16, seed: 1 },
    makeOptimizer: () => tf.train.sgd(0.5),
    steps: 6,
    evalEvery: 1,
    evalSamples: 32,
  }));
  assertEquals(tf.memory().numTensors, before);
  assertEquals(result.status, "ok");
  const norms = result.curve.map((p) => p.gradNorm);
  assertEquals(result.curve.map((p) => p.step), [1, 2, 3, 4, 5, 6]);
  assert(norms.every((n) => n > 0 && Number.isFinite(n)));
  assertEquals(result.maxGradNorm, Math.max(...norms));
  assertEquals(result.maxGradNormAfterFirst, Math.max(...norms.slice(1)));
  assertEquals(result.gradNormGrowth, Math.max(...norms.slice(1)) / norms[0]);
  // Here step 1's norm is the largest (1.288, then 0.866 at most), as it was in the committed
  // grids' held-out runs: the max over all steps is the initialization's, the one after the
  // first update is not.
  assertEquals(result.maxGradNorm, norms[0]);
  assert(result.maxGradNormAfterFirst < result.maxGradNorm && result.gradNormGrowth < 1);
  // One step: nothing after the first update.
  const one = await trainRun(config({ steps: 1 }));
  assertEquals([one.steps, one.maxGradNormAfterFirst, one.gradNormGrowth], [1, NaN, NaN]);
});

Deno.test("targetAccuracy records the first evaluation step that reached it", async () => {
  const result = await trainRun(config({ targetAccuracy: 0.5 }));
  const firstHit = result.curve.find((p) => p.testAccuracy >= 0.5);
  assertEquals(result.stepsToTarget, firstHit?.step ?? null);
  const never = await trainRun(config({ epochs: 1, targetAccuracy: 1.01 }));
  assertEquals(never.stepsToTarget, null);
});

Deno.test("an exception inside the run becomes an `error` result", async () => {
  const before = tf.memory().numTensors;
  const result = await trainRun(config({
    makeOptimizer: () => {
      throw new Error("no such optimizer");
    },
  }));
  assertEquals(result.status, "error");
  assertEquals(result.error, "no such optimizer");
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("impossible run lengths are refused before anything is built", () => {
  assertThrows(
    () => runLength(config({ batchSize: 513 })),
    /batchSize 513 is larger than the training split \(512 samples\)/,
  );
  assertThrows(
    () => runLength(config({ batchSize: 0 })),
    /batchSize must be a positive integer, got 0/,
  );
  assertThrows(() => runLength(config({ steps: 0 })), /steps must be a positive integer, got 0/);
  assertThrows(() => runLength(config({ epochs: -1 })), /epochs must be a positive number/);
  assertEquals(runLength(config({ steps: 5 })).totalSteps, 5);
});

Deno.test("the curve records this project's optimizers' scheduled rate", async () => {
  const { momentum } = await import("../optim/momentum.ts");
  const { cosineDecay } = await import("../optim/schedule.ts");
  const result = await trainRun(config({
    makeOptimizer: (total) =>
      momentum({ learningRate: cosineDecay({ init: 0.1, decaySteps: total }) }),
    epochs: 1,
    evalEvery: 4,
  }));
  // 8 steps; the point after step 4 reports the rate the 4th update used (step index 3).
  const expected = 0.5 * 0.1 * (1 + Math.cos(Math.PI * 3 / 8));
  assert(Math.abs(result.curve[0].learningRate - expected) < 1e-12);
  assertEquals(result.curve.at(-1)!.step, 8);
});

Deno.test("300 steps under LALC leak no tensor", async () => {
  const { lalc } = await import("../optim/lalc.ts");
  const before = tf.memory().numTensors;
  const result = await trainRun(config({
    model: { kind: "mlp", depth: 2, width: 16, seed: 1 },
    makeOptimizer: () => lalc({ learningRate: 0.1, weightDecay: 1e-4 }),
    batchSize: 32,
    steps: 300,
    evalEvery: 100,
    evalSamples: 64,
  }));
  assertEquals(result.status, "ok");
  assertEquals(result.steps, 300);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("with a validation split, curves read validation and the whole test set is read once", async () => {
  const { holdOutValidation } = await import("../data/validation.ts");
  const split = holdOutValidation(dataset, 128);
  const reads: number[] = [];
  const before = tf.memory().numTensors;
  const result = await trainRun(config({
    dataset: split,
    evalSamples: 50,
    onPoint: (p) => reads.push(Number.isNaN(p.testAccuracy) ? 0 : 1),
  }));
  assertEquals(tf.memory().numTensors, before);
  assertEquals(result.status, "ok");
  assertEquals(result.steps, 3 * Math.floor(384 / 64));
  // Only the last point has a test accuracy; every point has a validation accuracy.
  assertEquals(reads, [0, 0, 1]);
  assert(result.curve.every((p) => p.valAccuracy >= 0 && p.valAccuracy <= 1));
  assertEquals(result.valSamples, 128);
  assertEquals(result.testSamples, 256);
  // The whole splits at the end: accuracies are multiples of 1/128 and 1/256.
  assertEquals(Math.round(result.valAccuracy * 128) / 128, result.valAccuracy);
  assertEquals(Math.round(result.finalTestAccuracy * 256) / 256, result.finalTestAccuracy);
  assertEquals(result.bestTestAccuracy, result.finalTestAccuracy);
  assertEquals(result.curve.at(-1)!.valAccuracy, result.valAccuracy);
});
