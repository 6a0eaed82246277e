import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { meanPairwiseCosine } from "./correlation.ts";

function bruteForce(rows: number[][]): number {
  const unit = rows.map((r) => {
    const n = Math.hypot(...r);
    return n === 0 ? r.map(() => 0) : r.map((v) => v / n);
  });
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < rows.length; j++) {
      if (i !== j) sum += unit[i].reduce((a, v, k) => a + v * unit[j][k], 0);
    }
  }
  return sum / (rows.length * (rows.length - 1));
}

Deno.test("meanPairwiseCosine: identical samples 1, orthogonal 0, random as brute force", async () => {
  await useBackend("cpu");
  const cases = [
    [[1, 2, 3], [1, 2, 3], [2, 4, 6]],
    [[1, 0, 0], [0, 1, 0], [0, 0, 2]],
    [[1, -2, 0.5], [0.3, 0.1, -1], [0, 0, 0], [2, 2, 2]],
  ];
  const expected = [1, 0, bruteForce(cases[2])];
  cases.forEach((rows, i) => {
    const t = tf.tensor2d(rows);
    const c = meanPairwiseCosine(t);
    assert.ok(Math.abs(c.dataSync()[0] - expected[i]) < 1e-6, `case ${i}: ${c.dataSync()[0]}`);
    tf.dispose([t, c]);
  });
});

Deno.test("meanPairwiseCosine of independent post-ReLU Gaussians is about 1/pi", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const c = tf.tidy(() =>
    meanPairwiseCosine(tf.relu(tf.randomNormal([64, 2048], 0, 1, "float32", 3)))
  );
  // E[x]^2 / E[x^2] of a rectified N(0, 1): (1/(2 pi)) / (1/2) = 1/pi ~= 0.318.
  assert.ok(Math.abs(c.dataSync()[0] - 1 / Math.PI) < 0.01, `${c.dataSync()[0]}`);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("meanPairwiseCosine needs two samples", async () => {
  await useBackend("cpu");
  const one = tf.ones([1, 3]);
  assert.throws(() => meanPairwiseCosine(one), /at least 2 samples, got shape \[1,3\]/);
  one.dispose();
});
