import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { centredCosine, gateAgreement, varianceRetention } from "./measures.ts";

/** Reads a measure's values and disposes its tensor. */
function read(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

const RETENTION_AT_INIT = 0.5 - 1 / (2 * Math.PI); // 0.34085

Deno.test("identical samples: gate agreement 1, centred cosine undefined (NaN), no retention", async () => {
  await useBackend("cpu");
  const row = [0.3, -1.2, 2.5, -0.1, 0.7];
  const x = tf.tensor2d(Array.from({ length: 7 }, () => row)); // batch 7: mean not a power of 2
  assert.equal(read(gateAgreement(x))[0], 1);
  const [mean, rms] = read(centredCosine(x));
  assert.ok(Number.isNaN(mean) && Number.isNaN(rms), `got ${mean}, ${rms}`);
  // Every unit has zero batch variance: no unit has a ratio.
  assert.ok(Number.isNaN(read(varianceRetention(x))[0]));
  x.dispose();
});

Deno.test("one centred-zero sample is left out of the pairs, not counted as orthogonal", async () => {
  await useBackend("cpu");
  // Rows 0 and 1 are opposite; row 2 is the batch mean (0, 0) and has no direction.
  const [mean, rms] = read(centredCosine(tf.tensor2d([[1, 1], [-1, -1], [0, 0]])));
  assert.ok(Math.abs(mean + 1) < 1e-6, `mean ${mean}`);
  assert.ok(Math.abs(rms - 1) < 1e-6, `rms ${rms}`);
});

Deno.test("independent Gaussian samples: retention ~0.341, gate agreement and centred cosine near chance", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const batch = 4096;
  const x = tf.randomNormal([batch, 64], 0, 1, "float32", 7);
  const r = read(varianceRetention(x))[0];
  // Measured 0.3412 with this seed; the sampling error of a 64-unit mean at batch 4096 is ~0.002.
  assert.ok(Math.abs(r - RETENTION_AT_INIT) < 0.01, `retention ${r}`);
  const g = read(gateAgreement(x))[0];
  // Chance level sqrt(2 / (pi batch)) = 0.0125 (measured 0.0126).
  assert.ok(g < 0.03, `gate agreement ${g}`);
  const y = tf.randomNormal([64, 1024], 0, 1, "float32", 8);
  const [mean, rms] = read(centredCosine(y));
  // Mean: -1/(batch - 1) = -0.0159 by construction; RMS: ~1/sqrt(1024) = 0.031 (measured -0.0159 and 0.0358).
  assert.ok(Math.abs(mean + 1 / 63) < 2e-3, `mean ${mean}`);
  assert.ok(rms > 0.025 && rms < 0.04, `rms ${rms}`);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a unit on for every sample is pseudo-linear: agreement 1, retention 1", async () => {
  await useBackend("cpu");
  const x = tf.add(tf.randomNormal([512, 8], 0, 0.1, "float32", 3), 5);
  assert.equal(read(gateAgreement(x))[0], 1);
  assert.ok(Math.abs(read(varianceRetention(x))[0] - 1) < 1e-4);
  // Shifted by one standard deviation: p = Phi(1) = 0.841, so agreement 0.683 (measured 0.687).
  const s = tf.add(tf.randomNormal([8192, 8], 0, 1, "float32", 4), 1);
  assert.ok(Math.abs(read(gateAgreement(s))[0] - 0.683) < 0.02);
  tf.dispose([x, s]);
});

Deno.test("measures refuse a batch of one", async () => {
  await useBackend("cpu");
  const x = tf.ones([1, 4]);
  assert.throws(() => centredCosine(x), /at least 2 samples/);
  assert.throws(() => gateAgreement(x), /at least 2 samples/);
  x.dispose();
});
