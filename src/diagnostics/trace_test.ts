import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "../models/build.ts";
import { makeGaussianInputs } from "../data/synthetic.ts";
import { traceTraining } from "./trace.ts";
import { layerStepTable, stepTable, tracesFromCsv } from "./trace_report.ts";
import { toCsv } from "../output/csv.ts";

Deno.test("traceTraining records every step and layer, uses layerStats, leaks nothing", async () => {
  await useBackend("cpu");
  const train = makeGaussianInputs({ count: 40, features: 6, seed: 2, numClasses: 3 });
  const before = tf.memory().numTensors;
  const model = buildModel({ kind: "mlp", depth: 3, width: 8, seed: 1 }, [6], 3);
  const optimizer = tf.train.sgd(0.1);
  const kernelNames = model.layers.map((l) => l.kernel.name);
  const seen: number[] = [];
  const records = await traceTraining({
    model,
    optimizer,
    // A stand-in for src/optim's layerStats: the first kernel gets its own rate.
    layerStats: () =>
      Promise.resolve([{ name: kernelNames[0], trustRatio: 0.5, learningRate: 0.05 }]),
    learningRate: (step) => 0.1 / (step + 1),
    train,
    batchSize: 16,
    steps: 5, // 2 batches per epoch: crosses two epoch boundaries
    seed: 3,
    onStep: (r) => seen.push(r.step),
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  for (const r of records) {
    assert.equal(r.gradNorms.length, 4);
    assert.ok(r.gradNorms.every((g) => g > 0 && Number.isFinite(g)));
    assert.equal(r.learningRates[0], 0.05);
    assert.equal(r.learningRates[1], 0.1 / (r.step + 1));
    assert.ok(r.correlations.slice(0, 3).every((c) => c > 0 && c <= 1));
    assert.ok(Number.isNaN(r.correlations[3]));
    assert.ok(Math.abs(r.meanRatio - r.gradNorms[1] / r.gradNorms[2]) < 1e-9);
  }
  // The weights moved: the step-0 and step-1 losses come from different parameters.
  assert.notEqual(records[0].loss, records[1].loss);
  const trace = {
    method: "sgd",
    batchSize: 16,
    globalLr: [0.1, 0.05, 0.033, 0.025, 0.02],
    records,
  };
  assert.equal(stepTable([trace], 3).length, 1 + 5);
  assert.equal(layerStepTable([trace]).length, 1 + 5 * 4);
  // The CSV files carry everything the figures need: reading them back gives the same trace.
  const [back] = tracesFromCsv(toCsv(stepTable([trace], 3)), toCsv(layerStepTable([trace])));
  assert.equal(back.records.length, 5);
  assert.ok(
    Math.abs(back.records[2].gradNorms[1] - records[2].gradNorms[1]) <
      1e-6 * records[2].gradNorms[1],
  );
  assert.ok(Number.isNaN(back.records[2].correlations[3]));
  assert.equal(back.records[4].learningRates[0], 0.05);
  model.dispose();
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor may leak");
});

Deno.test("traceTraining refuses impossible batch sizes and step counts", async () => {
  await useBackend("cpu");
  const train = makeGaussianInputs({ count: 10, features: 4, numClasses: 2 });
  const model = buildModel({ kind: "mlp", depth: 3, width: 4, seed: 1 }, [4], 2);
  const optimizer = tf.train.sgd(0.1);
  const base = {
    model,
    optimizer,
    learningRate: () => 0.1,
    train,
    batchSize: 4,
    steps: 1,
    seed: 0,
  };
  await assert.rejects(
    traceTraining({ ...base, batchSize: 11 }),
    /batchSize must be an integer in \[2, 10\], got 11/,
  );
  await assert.rejects(
    traceTraining({ ...base, steps: 0 }),
    /steps must be a positive integer, got 0/,
  );
  model.dispose();
});
