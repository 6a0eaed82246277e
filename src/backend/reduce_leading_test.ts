import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";
import { leadingAxisCount } from "./reduce_leading.ts";

/** [shape, axis, keepDims]: batch norm's reductions, and cases the override must pass on. */
const CASES: [number[], number | number[], boolean][] = [
  [[16, 12, 12, 32], [0, 1, 2], false], // conv BN moments / gradient sums
  [[16, 12, 12, 32], [0, 1, 2], true], // tf.moments keeps dims
  [[256, 64], [0], false], // dense BN
  [[256, 64], 0, true],
  [[4, 7, 5, 3], [1, 0], false], // unordered leading axes
  [[4, 7, 5, 3], [-4, -3], false], // negative axes
  [[4, 7, 5, 3], [1, 2], false], // not leading: tf.js' own kernel
  [[4, 7, 5, 3], [3], true], // innermost: tf.js' own kernel
  [[4, 7, 5, 3], [0, 1, 2, 3], false], // all axes: tf.js' own kernel
  [[20000, 3], [0], false], // a long sum
];

for (const [shape, axis, keepDims] of CASES) {
  for (const op of ["sum", "mean"] as const) {
    Deno.test(`${op} wasm == cpu: ${shape.join("x")} axis ${axis} keepDims ${keepDims}`, async () => {
      const size = shape.reduce((p, q) => p * q, 1);
      // An offset so that sums do not cancel to ~0 (the relative error would then be noise).
      const data = randomData(size, 11).map((v) => v + 0.5);
      const f = (x: tf.Tensor) => [tf[op](x, axis, keepDims)];
      const [cpu] = await runOn("cpu", [{ data, shape }], f);
      const [wasm] = await runOn("wasm", [{ data, shape }], f);
      const cpuShape = await shapeOn("cpu", shape, axis, keepDims, op);
      assert.deepEqual(await shapeOn("wasm", shape, axis, keepDims, op), cpuShape);
      // The bound; measured <= 1.7e-7 on these cases (float64 accumulators here).
      assert(relativeError(wasm, cpu) < 1e-4, `rel err ${relativeError(wasm, cpu)}`);
    });
  }
}

async function shapeOn(
  backend: "cpu" | "wasm",
  shape: number[],
  axis: number | number[],
  keepDims: boolean,
  op: "sum" | "mean",
): Promise<number[]> {
  await useBackend(backend);
  const x = tf.zeros(shape);
  const y = tf[op](x, axis, keepDims);
  const out = y.shape;
  tf.dispose([x, y]);
  return out;
}

Deno.test("leadingAxisCount accepts exactly the axes 0..k-1 short of the rank", () => {
  assert.equal(leadingAxisCount([0, 1, 2], 4), 3);
  assert.equal(leadingAxisCount([2, 0, 1], 4), 3);
  assert.equal(leadingAxisCount(0, 2), 1);
  assert.equal(leadingAxisCount([-2], 2), 1);
  assert.equal(leadingAxisCount([1, 2], 4), 0);
  assert.equal(leadingAxisCount([0, 1], 2), 0);
  assert.equal(leadingAxisCount([], 2), 0);
});

Deno.test("leading Sum and Mean on wasm free their intermediates", async () => {
  await useBackend("wasm");
  const x = tf.tensor(randomData(8 * 5 * 5 * 4, 12), [8, 5, 5, 4]);
  const before = tf.memory().numTensors;
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (let i = 0; i < 3; i++) {
    tf.dispose([tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true)]);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  x.dispose();
});

Deno.test("int32 Sum over leading axes keeps tf.js' own kernel and dtype", async () => {
  await useBackend("wasm");
  const x = tf.tensor([[1, 2], [3, 4]], [2, 2], "int32");
  const y = tf.sum(x, 0);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(await y.data(), new Int32Array([4, 6]));
  tf.dispose([x, y]);
});
