import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";
import { perChannelBatchNorm } from "./fused_batch_norm.ts";
import { setWasmBatchNormOverride } from "./wasm_kernels.ts";

/** [x shape, parameter shape, with offset and scale]: the models' calls, and pass-on cases. */
const CASES: [number[], number[], boolean][] = [
  [[16, 12, 12, 32], [32], true], // conv BN forward / the gradient's correction term
  [[16, 12, 12, 32], [32], false], // the gradient's xhat (no offset, no scale)
  [[256, 64], [64], true], // dense BN
  [[4, 7, 5, 3], [1, 1, 1, 3], true], // per-channel parameters of x's rank
  [[5], [5], true], // rank 1: every element its own channel
  [[3, 5, 3], [3], true], // 45 elements: SIMD does 44, JavaScript the last
  [[4, 7, 5, 3], [1], true], // one value for all: tf.js' own kernel
  [[4, 7, 5, 3], [5, 3], false], // per (width, channel): tf.js' own kernel
];

for (const [shape, paramShape, affine] of CASES) {
  Deno.test(`FusedBatchNorm wasm == cpu: x ${shape.join("x")}, params ${paramShape.join("x")}${affine ? "" : ", no offset/scale"}`, async () => {
    const size = shape.reduce((p, q) => p * q, 1);
    const c = paramShape.reduce((p, q) => p * q, 1);
    const inputs = [
      { data: randomData(size, 31).map((v) => 3 * v + 0.7), shape },
      { data: randomData(c, 32), shape: paramShape }, // mean
      { data: randomData(c, 33).map((v) => v + 1.1), shape: paramShape }, // variance > 0
      { data: randomData(c, 34), shape: paramShape }, // offset
      { data: randomData(c, 35).map((v) => 2 * v), shape: paramShape }, // scale
    ];
    const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => [
      affine ? tf.batchNorm(x, m, v, o, s, 1e-5) : tf.batchNorm(x, m, v, undefined, undefined),
    ];
    const [cpu] = await runOn("cpu", inputs, f as (...xs: tf.Tensor[]) => tf.Tensor[]);
    const [wasm] = await runOn("wasm", inputs, f as (...xs: tf.Tensor[]) => tf.Tensor[]);
    // The bound; measured <= 1.3e-7 (float32 SIMD: three roundings per element).
    assert(relativeError(wasm, cpu) < 1e-4, `rel err ${relativeError(wasm, cpu)}`);
  });
}

Deno.test("the loop FusedBatchNorm agrees with tf.js' own wasm kernel", async () => {
  await useBackend("wasm");
  const shape = [8, 6, 6, 16];
  const x = tf.tensor(randomData(8 * 6 * 6 * 16, 41), shape);
  const m = tf.tensor(randomData(16, 42));
  const v = tf.tensor(randomData(16, 43).map((a) => a + 1.5));
  const run = async () => {
    const y = tf.batchNorm(x, m, v, m, v, 1e-3);
    const values = await y.data() as Float32Array;
    y.dispose();
    return values;
  };
  const ours = await run();
  setWasmBatchNormOverride(false);
  try {
    const theirs = await run();
    // Both round in float32, in a different order (measured 1.3e-7 here).
    assert(relativeError(ours, theirs) < 1e-5, `rel err ${relativeError(ours, theirs)}`);
  } finally {
    setWasmBatchNormOverride(true);
    tf.dispose([x, m, v]);
  }
});

Deno.test("FusedBatchNorm on wasm leaks no tensors and no wasm buffers", async () => {
  await useBackend("wasm");
  const x = tf.tensor(randomData(4 * 5 * 5 * 8, 51), [4, 5, 5, 8]);
  const m = tf.tensor(randomData(8, 52));
  const v = tf.tensor(randomData(8, 53).map((a) => a + 1.5));
  const before = tf.memory().numTensors;
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (let i = 0; i < 3; i++) {
    tf.dispose([tf.batchNorm(x, m, v, m, v), tf.batchNorm(x, m, v)]);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  tf.dispose([x, m, v]);
});

Deno.test("perChannelBatchNorm takes float32 one-value-per-channel parameters only", () => {
  const t = (shape: number[], dtype: tf.DataType = "float32") =>
    ({ dataId: {}, shape, dtype }) as tf.TensorInfo;
  const x = t([2, 3, 4]);
  assert.equal(perChannelBatchNorm(x, [t([4]), t([4]), undefined, undefined]), true);
  assert.equal(perChannelBatchNorm(x, [t([1, 1, 4]), t([4]), t([4]), t([4])]), true);
  assert.equal(perChannelBatchNorm(x, [t([4]), t([1])]), false);
  assert.equal(perChannelBatchNorm(x, [t([4]), t([4], "int32")]), false);
  assert.equal(perChannelBatchNorm(t([2, 3, 4], "int32"), [t([4]), t([4])]), false);
  assert.equal(perChannelBatchNorm(t([2, 0, 4]), [t([4]), t([4])]), false);
  assert.equal(perChannelBatchNorm(t([]), [t([]), t([])]), false);
});
