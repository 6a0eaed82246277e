import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "../models/build.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { momentum } from "../optim/momentum.ts";
import { ablateTraining, ABLATION_PARTS, snapshotParams } from "./ablation.ts";
import { runMechanism } from "./mechanism.ts";

Deno.test("ablateTraining: every variant of an untrained network is that network; the model is left as found", async () => {
  await useBackend("cpu");
  const data = makeSyntheticDataset({ trainCount: 64, testCount: 4, correlation: 0.5, seed: 1 });
  const before = tf.memory().numTensors;
  const model = buildModel({ kind: "mlp", depth: 4, width: 16, seed: 2 }, [32], 10);
  const initial = snapshotParams(model);
  // Nothing trained: zero updates, so the permuted and the isotropic ones are zero too, and
  // gamma and beta are at their initial values.
  const untouched = await ablateTraining(model, initial, data.train, 16, 2, 0);
  assert.deepEqual(untouched.map((r) => r.part), [...ABLATION_PARTS]);
  for (const r of untouched) {
    assert.deepEqual({ ...r, part: "" }, { ...untouched[0], part: "" }, r.part);
  }
  const optimizer = momentum({ learningRate: 0.2, momentum: 0.9 });
  await runMechanism({
    model,
    optimizer,
    learningRate: () => 0.2,
    train: data.train,
    batchSize: 16,
    steps: 30,
    seed: 0,
    measureEvery: 100,
  });
  const trainedValues = await Promise.all(model.params.map((p) => p.data()));
  const rows = await ablateTraining(model, initial, data.train, 16, 2, 0);
  // Left as found: the trained values, bit for bit.
  const after = await Promise.all(model.params.map((p) => p.data()));
  after.forEach((v, i) => assert.deepEqual(v, trainedValues[i], model.params[i].name));
  const byPart = new Map(rows.map((r) => [r.part, r]));
  // "initial" measures the untrained network on the same batches; "trained" differs from it.
  assert.deepEqual(byPart.get("initial"), { ...untouched[0], part: "initial" });
  assert.notEqual(byPart.get("trained")!.meanRatio, byPart.get("initial")!.meanRatio);
  // Every variant with trained kernels or BN parameters differs from both ends.
  for (const part of ["kernel updates' input side permuted", "BN gamma and beta reset"] as const) {
    assert.notEqual(byPart.get(part)!.meanRatio, byPart.get("trained")!.meanRatio, part);
    assert.notEqual(byPart.get(part)!.meanRatio, byPart.get("initial")!.meanRatio, part);
  }
  model.dispose();
  optimizer.dispose();
  tf.dispose([...initial.values()]);
  assert.equal(tf.memory().numTensors, before);
});
