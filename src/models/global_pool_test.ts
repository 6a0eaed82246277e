import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { setFusedKernels } from "../kernels/switch.ts";
import { globalAveragePool } from "./global_pool.ts";

/** The gradient of sum(pool(x) * w) for x [4, 7, 7, 8], as float32 bits. */
function gradientBits(pool: (x: tf.Tensor) => tf.Tensor): Uint32Array {
  const g = tf.tidy(() => {
    const x = tf.randomNormal([4, 7, 7, 8], 0, 1, "float32", 5);
    const w = tf.randomNormal([4, 8], 0, 1, "float32", 6);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), w)))(x);
  });
  const bits = new Uint32Array(g.dataSync().slice().buffer);
  g.dispose();
  return bits;
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`globalAveragePool on ${backend}: tf.js mean's values and gradient, bit for bit`, async () => {
    await useBackend(backend);
    const x = tf.randomNormal([3, 5, 6, 4], 0, 1, "float32", 2);
    const before = tf.memory().numTensors;
    const pooled = globalAveragePool(x);
    const reference = tf.mean(x, [1, 2]);
    assert.deepEqual(pooled.shape, [3, 4]);
    assert.deepEqual(pooled.dataSync(), reference.dataSync());
    tf.dispose([pooled, reference, x]);
    assert.deepEqual(gradientBits(globalAveragePool), gradientBits((t) => tf.mean(t, [1, 2])));
    assert.equal(tf.memory().numTensors, before - 1, "no leaks (x disposed)");
  });
}

Deno.test("globalAveragePool: the fused switch off gives tf.js' mean itself", async () => {
  await useBackend("cpu");
  setFusedKernels(false);
  try {
    const x = tf.ones([1, 2, 2, 3]);
    const profile = await tf.profile(() => globalAveragePool(x));
    assert.deepEqual(profile.kernels.map((k) => k.name), ["Mean"]);
    tf.dispose([x, profile.result as tf.Tensor]);
  } finally {
    setFusedKernels(true);
  }
  assert.throws(() => globalAveragePool(tf.zeros([2, 3])), /rank 4/);
});
