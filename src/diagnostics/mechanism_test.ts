import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "../models/build.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { momentum } from "../optim/momentum.ts";
import { lalc } from "../optim/lalc.ts";
import { runMechanism, stepsToFade } from "./mechanism.ts";
import { interventionRows, layerRows, stepRows } from "./mechanism_report.ts";
import { heldOutRows, TRACKED, trackedRuns, trackingRows } from "./mechanism_tracking.ts";
import { tInterval } from "../stats/stats.ts";
import { withClassCorrelation } from "./correlated_inputs.ts";

Deno.test("runMechanism measures every measureEvery steps, records every step, leaks nothing", async () => {
  await useBackend("cpu");
  const data = makeSyntheticDataset({ trainCount: 48, testCount: 8, correlation: 0.5, seed: 1 });
  const before = tf.memory().numTensors;
  const model = buildModel({ kind: "mlp", depth: 4, width: 8, seed: 2 }, [32], 10);
  const optimizer = momentum({ learningRate: 0.05, momentum: 0.9 });
  const steps = await runMechanism({
    model,
    optimizer,
    learningRate: () => 0.05,
    train: data.train,
    batchSize: 16,
    steps: 7, // 3 batches per epoch: crosses two epoch boundaries
    seed: 3,
    measureEvery: 3,
  });
  model.dispose();
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(steps.map((s) => s.step), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(steps.filter((s) => s.measures).map((s) => s.step), [0, 3, 6]);
  for (const s of steps) {
    assert.equal(s.ratios.length, 4);
    assert.ok(Math.abs(s.meanRatio - (s.ratios[1] + s.ratios[2]) / 2) < 1e-12);
    assert.ok(Number.isFinite(s.loss));
  }
  const m = steps[0].measures!;
  assert.equal(m.blocks.length, 4);
  for (const b of m.blocks) {
    assert.ok(b.gateAgreement >= 0 && b.gateAgreement <= 1);
    assert.ok(b.varianceRetention > 0 && b.varianceRetention < 1);
    assert.ok(b.centredCosineRms > 0 && b.centredCosineRms <= 1);
  }
  const run = {
    dataset: "synthetic",
    model: "mlp",
    correlation: 0.5,
    method: "momentum",
    seed: 0,
    steps,
  };
  const stepTable = stepRows([run]);
  const layerTable = layerRows([run]);
  assert.equal(stepTable.length, 1 + 7);
  assert.equal(layerTable.length, 1 + 3 * 4);
  const objects = (rows: string[][]) =>
    rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]])));
  const tracked = trackedRuns(objects(stepTable), objects(layerTable));
  assert.deepEqual(tracked[0].points.map((p) => p.step), [0, 3, 6]);
  // Every quantity has values; with 3 points a first difference has 2: no correlation.
  assert.equal(trackingRows(tracked).length, 1 + TRACKED.length);
  assert.equal(heldOutRows(tracked).length, 1); // one seed: nothing to hold out
});

Deno.test("stepsToFade: first window whose mean is below the threshold; undefined when censored", () => {
  assert.equal(stepsToFade([1.2, 1.1, 1.04, 1.03, 1.06, 1.0], 1.05, 3), 2);
  assert.equal(stepsToFade([1.2, 1.0], 1.05, 1), 1);
  assert.equal(stepsToFade([1.2, 1.1, 1.0], 1.05, 3), undefined);
});

Deno.test("intervention rows count censored runs at their length and give a t-interval", () => {
  const mk = (seed: number, ratios: number[]) => ({
    dataset: "d",
    model: "mlp",
    correlation: 0,
    method: "m",
    seed,
    steps: ratios.map((r, step) => ({
      step,
      loss: 1,
      learningRate: 0.1,
      ratios: [r],
      meanRatio: r,
      measurement: false,
    })),
  });
  const rows = interventionRows(
    [mk(0, [1.2, 1.0, 1.0]), mk(1, [1.2, 1.2, 1.0]), mk(2, [1.2, 1.2, 1.2])],
    1.05,
    1,
  );
  assert.equal(rows.length, 2);
  const r = Object.fromEntries(rows[0].map((h, i) => [h, rows[1][i]]));
  assert.equal(r.censored, "1");
  assert.equal(r.perSeed, "1 2 >2");
  const ci = tInterval([1, 2, 3]);
  assert.equal(r.stepsToFadeMean, ci.mean.toFixed(1));
  assert.equal(r.ci95Low, ci.low.toFixed(1));
});

Deno.test("intervention rows: 41 seeds get Student's t with 40 degrees of freedom, not 1.96", () => {
  // Fades near step 10 or 110, alternating: 41 values with sd about 50, so the half-width
  // is about 7.9 t, and t = 2.021 (40 df) and 1.96 differ by about 0.5 steps.
  const mk = (seed: number) => ({
    dataset: "d",
    model: "mlp",
    correlation: 0,
    method: "m",
    seed,
    steps: Array.from({ length: 200 }, (_, step) => ({
      step,
      loss: 1,
      learningRate: 0.1,
      ratios: [1],
      meanRatio: step < 10 + 100 * (seed % 2) ? 1.2 : 1.0,
      measurement: false,
    })),
  });
  const rows = interventionRows(Array.from({ length: 41 }, (_, s) => mk(s)), 1.05, 1);
  const r = Object.fromEntries(rows[0].map((h, i) => [h, rows[1][i]]));
  const fades = rows[1][rows[0].indexOf("perSeed")].split(" ").map(Number);
  const ci = tInterval(fades);
  assert.deepEqual([r.ci95Low, r.ci95High], [ci.low.toFixed(1), ci.high.toFixed(1)]);
  // What the 1.96 fallback gave, so this test tells the two apart.
  const half196 = 1.96 * ci.sd / Math.sqrt(41);
  assert.notEqual(r.ci95Low, (ci.mean - half196).toFixed(1));
});

Deno.test("withClassCorrelation: c = 0 is the identity; c raises same-class correlation to ~c", () => {
  const data = makeSyntheticDataset({ trainCount: 2000, testCount: 10, correlation: 0, seed: 5 });
  assert.equal(withClassCorrelation(data, 0, 1), data);
  assert.throws(() => withClassCorrelation(data, 1.5, 1), /correlation must be in \[0, 1\]/);
  const c = 0.6;
  const mixed = withClassCorrelation(data, c, 1);
  assert.equal(mixed.name, "synthetic+class0.6");
  const { x, y } = mixed.train;
  const d = 32;
  // Correlation of sample pairs of one class over features (the inputs are zero-mean, unit variance).
  let same = 0, pairs = 0, variance = 0;
  for (let i = 0; i + 1 < mixed.train.count; i += 2) {
    for (let f = 0; f < d; f++) variance += x[i * d + f] ** 2;
    for (let j = i + 1; j < Math.min(i + 40, mixed.train.count); j++) {
      if (y[j] !== y[i]) continue;
      let dot = 0;
      for (let f = 0; f < d; f++) dot += x[i * d + f] * x[j * d + f];
      same += dot / d;
      pairs++;
    }
  }
  variance /= (mixed.train.count / 2) * d;
  // The per-class pattern of 32 features has an empirical variance near, not at, 1:
  // measured 0.67 correlation and 1.07 variance with these seeds.
  assert.ok(Math.abs(same / pairs - c) < 0.15, `same-class correlation ${same / pairs}`);
  assert.ok(Math.abs(variance - 1) < 0.15, `variance ${variance}`);
  assert.equal(mixed.test.count, 10);
});

Deno.test("runMechanism on a ResNet records its conv layers' ratios without measures, leaks nothing", async () => {
  await useBackend("cpu");
  const data = makeSyntheticDataset({
    trainCount: 16,
    testCount: 4,
    correlation: 0.5,
    sampleShape: [8, 8, 1],
    seed: 1,
  });
  const before = tf.memory().numTensors;
  const model = buildModel({ kind: "resnet", depth: 8, width: 2, seed: 2 }, [8, 8, 1], 10);
  const optimizer = lalc({ learningRate: 0.05 });
  const steps = await runMechanism({
    model,
    optimizer,
    learningRate: () => 0.05,
    train: data.train,
    batchSize: 8,
    steps: 3,
    seed: 3,
    measureEvery: 2,
  });
  model.dispose();
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
  // ResNet-8: stem, 3 stages x 2 convs, classifier: 8 kernels, 7 ratios, interior 1..5.
  for (const s of steps) {
    assert.equal(s.ratios.length, 7);
    assert.ok(Math.abs(s.meanRatio - s.ratios.slice(1, 6).reduce((a, r) => a + r, 0) / 5) < 1e-12);
    assert.equal(s.measures, undefined);
  }
  assert.deepEqual(steps.map((s) => s.measurement), [true, false, true]);
  const run = {
    dataset: "synthetic",
    model: "resnet",
    correlation: 0.5,
    method: "lalc",
    seed: 0,
    steps,
  };
  const layers = layerRows([run]);
  assert.equal(layers.length, 1 + 2 * 7);
  const row = Object.fromEntries(layers[0].map((h, i) => [h, layers[1][i]]));
  assert.equal(row.model, "resnet");
  assert.equal(row.predictedRatio, "NaN");
  assert.ok(Number(row.measuredRatio) > 0);
  assert.equal(stepRows([run])[1][stepRows([run])[0].indexOf("predictedMeanRatio")], "");
});
