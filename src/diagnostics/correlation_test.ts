import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import {
  firstDifferences,
  leastSquares,
  meanPairwiseCosine,
  partialCorrelation,
  pearson,
  residualsOn,
} from "./correlation.ts";

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

Deno.test("pearson, residualsOn, partialCorrelation, firstDifferences: a hand-computed example", () => {
  const x = [1, 3, 2, 6];
  const y = [1, 3, 6, 2];
  const z = [0, 0, 1, 1];
  // Centred x = [-2, 0, -1, 3], y = [-2, 0, 3, -1]: dot -2, squared norms 14 and 14.
  assert.ok(Math.abs(pearson(x, y) - -1 / 7) < 1e-15);
  // Within the groups of z (means 2 and 4 for both series): [-1, 1, -2, 2] and [-1, 1, 2, -2].
  assert.deepEqual(residualsOn(x, [z]).map((v) => Math.round(v * 1e12) / 1e12), [-1, 1, -2, 2]);
  assert.deepEqual(residualsOn(y, [z]).map((v) => Math.round(v * 1e12) / 1e12), [-1, 1, 2, -2]);
  // dot -6 over squared norms 10 and 10.
  assert.ok(Math.abs(partialCorrelation(x, y, [z]) - -0.6) < 1e-12);
  // The textbook one-control formula gives the same: r_xz = r_yz = 2 / sqrt(14).
  const rxz = 2 / Math.sqrt(14);
  const formula = (-1 / 7 - rxz * rxz) / (1 - rxz * rxz);
  assert.ok(Math.abs(partialCorrelation(x, y, [z]) - formula) < 1e-12);
  // A constant control and a copy of z remove nothing more; no controls is Pearson's r.
  assert.ok(
    Math.abs(partialCorrelation(x, y, [z, [5, 5, 5, 5], z.map((v) => 2 * v + 1)]) - -0.6) < 1e-12,
  );
  assert.ok(Math.abs(partialCorrelation(x, y, []) - -1 / 7) < 1e-15);
  assert.deepEqual(firstDifferences(x), [2, -1, 4]);
  // Differences of [1, 3, 6, 2]: [2, 3, -4]; with [2, -1, 4]: means 1/3 and 1/3 ...
  const dx = [2, -1, 4].map((v) => v - 5 / 3);
  const dy = [2, 3, -4].map((v) => v - 1 / 3);
  const expected = dx.reduce((s, v, i) => s + v * dy[i], 0) /
    Math.sqrt(dx.reduce((s, v) => s + v * v, 0) * dy.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(pearson(firstDifferences(x), firstDifferences(y)) - expected) < 1e-15);
});

Deno.test("partialCorrelation removes a shared trend that makes two independent series correlate", () => {
  // Two noise series plus one trend: raw r near 1; given the trend, the noises' own r.
  const n = 40;
  const trend = Array.from({ length: n }, (_, i) => i / n);
  const noiseA = Array.from({ length: n }, (_, i) => Math.sin(7.3 * i) * 0.05);
  const noiseB = Array.from({ length: n }, (_, i) => Math.cos(5.1 * i + 1) * 0.05);
  const a = trend.map((t, i) => t + noiseA[i]);
  const b = trend.map((t, i) => 2 * t + noiseB[i]);
  assert.ok(pearson(a, b) > 0.95, `${pearson(a, b)}`);
  const own = partialCorrelation(noiseA, noiseB, [trend]);
  assert.ok(Math.abs(partialCorrelation(a, b, [trend]) - own) < 1e-9);
  assert.ok(Math.abs(own) < 0.4, `${own}`);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.throws(() => pearson([1, 2], [1]), /differ in length/);
});

Deno.test("leastSquares: a hand-computed line, a collinear column and two regressors", () => {
  // x = 0..4, y = [1, 2, 2, 4, 5]: Sxy = 10, Sxx = 10, so slope 1 and intercept 2.8 - 2 = 0.8.
  const x = [0, 1, 2, 3, 4];
  const y = [1, 2, 2, 4, 5];
  const round = (v: number) => Math.round(v * 1e10) / 1e10;
  assert.deepEqual(leastSquares([x], y).map(round), [0.8, 1]);
  // A copy of x (scaled) adds nothing: coefficient 0, the rest unchanged.
  assert.deepEqual(leastSquares([x, x.map((v) => 3 * v)], y).map(round), [0.8, 1, 0]);
  // y = 2 - x + 0.5 z exactly, with z not collinear with x.
  const z = [1, 0, 4, 2, 8];
  const exact = x.map((v, i) => 2 - v + 0.5 * z[i]);
  assert.deepEqual(leastSquares([x, z], exact).map(round), [2, -1, 0.5]);
  // The fitted residuals are residualsOn's.
  const b = leastSquares([x, z], y);
  const fitted = residualsOn(y, [x, z]);
  y.forEach((v, i) =>
    assert.ok(Math.abs(v - (b[0] + b[1] * x[i] + b[2] * z[i]) - fitted[i]) < 1e-12)
  );
});

Deno.test("partialCorrelation is NaN where the controls explain a series entirely", () => {
  const z = [0.3, 1.1, 2.9, 4.2, 5.0, 7.7];
  const x = z.map((v) => 2 * v - 1); // exactly linear in z: only rounding noise is left
  const y = [1, 0, 2, 1, 3, 2];
  assert.ok(Number.isNaN(partialCorrelation(x, y, [z])));
  assert.ok(Number.isFinite(partialCorrelation(y, z.map((v) => v * v), [x])));
});
