import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { gatherBatch, shuffledOrder } from "./batch.ts";
import { makeGaussianInputs } from "./synthetic.ts";

await useBackend("cpu");

Deno.test("shuffledOrder: a permutation, reproducible per (seed, epoch)", () => {
  const a = shuffledOrder(1000, 7, 0);
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(a, shuffledOrder(1000, 7, 0));
  assert.notDeepEqual(a, shuffledOrder(1000, 7, 1));
  assert.notDeepEqual(a, shuffledOrder(1000, 8, 0));
  assert.throws(() => shuffledOrder(10, 1, -1), /epoch must be a non-negative integer, got -1/);
});

Deno.test("gatherBatch: same seed same batches, different seed different batches", async () => {
  const split = makeGaussianInputs({ count: 50, features: 6, seed: 3 });
  const batches = async (seed: number) => {
    const order = shuffledOrder(split.count, seed, 0);
    const out: number[][] = [];
    for (let start = 0; start < split.count; start += 16) {
      const { x, y } = gatherBatch(split, order, start, 16);
      out.push([...await x.data(), ...await y.data()]);
      x.dispose();
      y.dispose();
    }
    return out;
  };
  const before = tf.memory().numTensors;
  const a = await batches(11);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(a, await batches(11));
  assert.notDeepEqual(a, await batches(12));
  assert.equal(a.length, 4);
  assert.equal(a[3].length, 2 * 6 + 2); // the last batch holds the 2 left over
});

Deno.test("gatherBatch copies the right rows with shape and int32 labels", () => {
  const split = {
    x: new Float32Array([0, 1, 10, 11, 20, 21, 30, 31]),
    y: new Int32Array([0, 1, 2, 3]),
    count: 4,
    sampleShape: [1, 2, 1],
  };
  const { x, y } = gatherBatch(split, new Int32Array([3, 1, 0, 2]), 1, 2);
  assert.deepEqual(x.shape, [2, 1, 2, 1]);
  assert.deepEqual([...x.dataSync()], [10, 11, 0, 1]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual([...y.dataSync()], [1, 0]);
  tf.dispose([x, y]);
  assert.throws(
    () => gatherBatch(split, new Int32Array(4), 4, 2),
    /start must be an integer in \[0, 4\), got 4/,
  );
  assert.throws(
    () => gatherBatch(split, new Int32Array(4), 0, 0),
    /size must be a positive integer, got 0/,
  );
});
