import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";

/** [a shape, b shape, transposeA, transposeB] */
const CASES: [number[], number[], boolean, boolean][] = [
  [[33, 17], [17, 9], false, false],
  [[17, 33], [17, 9], true, false],
  [[33, 17], [9, 17], false, true],
  [[17, 33], [9, 17], true, true],
  [[3, 20, 12], [3, 20, 7], true, false],
  [[3, 12, 20], [1, 7, 20], false, true],
  [[256, 64], [256, 32], true, false],
];

for (const [aShape, bShape, tA, tB] of CASES) {
  const name = `a ${aShape} b ${bShape} transposeA=${tA} transposeB=${tB}`;
  const inputs = [
    { data: randomData(aShape.reduce((p, q) => p * q), 7), shape: aShape },
    { data: randomData(bShape.reduce((p, q) => p * q), 8), shape: bShape },
  ];
  Deno.test(`BatchMatMul override == cpu: ${name}`, async () => {
    const f = (a: tf.Tensor, b: tf.Tensor) => [tf.matMul(a, b, tA, tB)];
    const [ref] = await runOn("cpu", inputs, f);
    const [got] = await runOn("wasm", inputs, f);
    assert.ok(relativeError(got, ref) < 1e-4, `rel err ${relativeError(got, ref)}`);
  });
  Deno.test(`_FusedMatMul override == cpu (bias + relu): ${name}`, async () => {
    const outCols = tB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const bias = tf.linspace(-0.5, 0.5, outCols);
      const y = tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias, activation: "relu" });
      bias.dispose();
      return [y];
    };
    const [ref] = await runOn("cpu", inputs, f);
    const [got] = await runOn("wasm", inputs, f);
    assert.ok(relativeError(got, ref) < 1e-4, `rel err ${relativeError(got, ref)}`);
  });
}

Deno.test("transposed matmul override leaks no tensors or wasm buffers", async () => {
  await useBackend("wasm");
  const a = tf.tensor(randomData(64 * 32, 1), [64, 32]);
  const b = tf.tensor(randomData(64 * 16, 2), [64, 16]);
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const tensors = tf.memory().numTensors;
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (let i = 0; i < 5; i++) {
    tf.matMul(a, b, true, false).dispose();
    tf.matMul(b, b, false, true).dispose();
    tf.fused.matMul({ a, b, transposeA: true, activation: "relu" }).dispose();
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  tf.dispose([a, b]);
});
