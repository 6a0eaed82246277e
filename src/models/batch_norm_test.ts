import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { batchNorm, BN_EPSILON } from "./batch_norm.ts";
import { batchNormElementwise } from "./_test_batch_norm_reference.ts";
import { ParamStore } from "./params.ts";
import { values } from "./_test_sgd.ts";

await useBackend("cpu");

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const shape of [[64, 12], [6, 5, 4, 7]]) {
  Deno.test(`closed-form BN gradient equals autodiff, input [${shape}]`, () => {
    const store = new ParamStore(`bnTest${shape.length}`, 0);
    const c = shape[shape.length - 1];
    const p = store.batchNorm("bn", c);
    tf.tidy(() => {
      p.gamma.assign(tf.randomUniform([c], 0.5, 2, "float32", 1));
      p.beta.assign(tf.randomNormal([c], 0, 1, "float32", 2));
      // offset mean and scale so cancellation would show
      const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", 3), 3), 5);
      const r = tf.randomNormal(shape, 0, 1, "float32", 4);
      const custom = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(batchNorm(xi, { ...p, gamma: g as tf.Variable, beta: b as tf.Variable }, true), r),
        )
      )([x, p.gamma, p.beta]);
      const auto = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormElementwise(xi, g, b), r))
      )([x, p.gamma, p.beta]);
      const yCustom = batchNorm(x, p, true);
      const yAuto = batchNormElementwise(x, p.gamma, p.beta);
      // measured on cpu: y <= 4.8e-7, dx 1.2e-7, dgamma <= 9.5e-7 (of ~13), dbeta 0
      assert.ok(maxAbsDiff(yCustom, yAuto) < 1e-5, "forward");
      const names = ["dx", "dgamma", "dbeta"];
      custom.forEach((g, i) => {
        const diff = maxAbsDiff(g, auto[i]);
        const scale = tf.tidy(() => tf.max(tf.abs(auto[i])).dataSync()[0]);
        assert.ok(diff < 1e-4 * Math.max(1, scale), `${names[i]}: diff ${diff}, scale ${scale}`);
      });
    });
    store.dispose();
  });
}

Deno.test("training updates running stats (momentum 0.9, unbiased var); inference uses them", () => {
  const store = new ParamStore("bnStats", 0);
  const p = store.batchNorm("bn", 2);
  const x = tf.tensor2d([[1, 10], [2, 20], [3, 30], [6, 60]]);
  tf.tidy(() => batchNorm(x, p, true));
  // batch means 3, 30; unbiased variances 14/3, 1400/3
  assert.deepEqual(values(p.movingMean).map((v) => +v.toFixed(5)), [0.3, 3]);
  const wantVar = [0.9 + 0.1 * 14 / 3, 0.9 + 0.1 * 1400 / 3];
  values(p.movingVariance).forEach((v, i) => assert.ok(Math.abs(v - wantVar[i]) < 1e-4));
  tf.tidy(() => {
    const y = values(batchNorm(x, p, false));
    const mean = values(p.movingMean), variance = values(p.movingVariance);
    const want = [1, 10, 2, 20, 3, 30, 6, 60].map((v, i) =>
      (v - mean[i % 2]) / Math.sqrt(variance[i % 2] + BN_EPSILON)
    );
    y.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${i}: ${v} vs ${want[i]}`));
    // training mode normalizes with the batch: column 0 -> (x - 3) / sqrt(3.5)
    const t = values(batchNorm(x, p, true));
    assert.ok(Math.abs(t[0] - (1 - 3) / Math.sqrt(3.5 + BN_EPSILON)) < 1e-5);
  });
  x.dispose();
  store.dispose();
});

Deno.test("BN forward/backward leaks no tensors", () => {
  const store = new ParamStore("bnLeak", 0);
  const p = store.batchNorm("bn", 8);
  const x = tf.randomNormal([16, 8]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) {
    tf.tidy(() => {
      tf.variableGrads(() => tf.sum(tf.square(batchNorm(x, p, true))), [p.gamma, p.beta]);
    });
    tf.dispose(tf.tidy(() => batchNorm(x, p, false)));
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  store.dispose();
});
