import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "../models/build.ts";
import { crossEntropy } from "../train/step.ts";
import { interiorRatioIndices, kernelGradNorms, layerRatios } from "./gradnorms.ts";

Deno.test("layerRatios divides each norm by the next", () => {
  assert.deepEqual(layerRatios([8, 4, 1]), [2, 4]);
  assert.deepEqual(layerRatios([1]), []);
});

Deno.test("interiorRatioIndices leaves out the input block and the classifier", () => {
  assert.deepEqual(interiorRatioIndices(3), [1]);
  assert.deepEqual(interiorRatioIndices(5), [1, 2, 3]);
  assert.throws(
    () => interiorRatioIndices(2),
    /blocks must be an integer >= 3 to have an interior ratio, got 2/,
  );
});

Deno.test("crossEntropy of uniform logits is ln(classes)", async () => {
  await useBackend("cpu");
  const loss = crossEntropy(tf.zeros([3, 5]), tf.tensor1d([0, 1, 4], "int32"));
  assert.ok(Math.abs(loss.dataSync()[0] - Math.log(5)) < 1e-6);
  loss.dispose();
});

Deno.test("kernelGradNorms matches a direct gradient and leaks nothing", async () => {
  await useBackend("cpu");
  const model = buildModel({ kind: "mlp", depth: 3, width: 8, seed: 4 }, [5], 3);
  const x = tf.randomNormal([6, 5], 0, 1, "float32", 1);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], "int32");
  const before = tf.memory().numTensors;
  const norms = kernelGradNorms(model, x, y, "ce", 0);
  assert.equal(tf.memory().numTensors, before + 1);
  const direct = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => crossEntropy(model.forward(x, { training: true }).logits, y),
      model.layers.map((l) => l.kernel),
    );
    return model.layers.map((l) => tf.norm(grads[l.kernel.name]).dataSync()[0]);
  });
  const got = Array.from(norms.dataSync());
  got.forEach((g, i) => assert.ok(Math.abs(g - direct[i]) < 1e-5 * direct[i], `layer ${i}`));
  assert.throws(
    () => kernelGradNorms(model, x, y, "mse" as "ce", 0),
    /loss must be one of ce, random, got "mse"/,
  );
  tf.dispose([norms, x, y]);
  model.dispose();
});
