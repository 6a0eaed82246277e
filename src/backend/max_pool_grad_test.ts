import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";

type Pad = "same" | "valid" | number;
/** [batch, height, width, channels, filter, stride, pad] */
const CASES: [number, number, number, number, number, number, Pad][] = [
  [2, 8, 8, 32, 2, 2, "valid"],
  [1, 7, 7, 3, 2, 2, "valid"],
  [3, 7, 9, 1, 2, 2, "same"],
  [2, 9, 9, 3, 3, 2, "same"],
  [1, 6, 6, 32, 3, 1, "same"],
  [2, 8, 8, 3, 3, 2, "valid"],
  [1, 5, 5, 2, 3, 1, 1],
];

/** Data with ties: ReLU zeros and values rounded to a coarse grid. */
function tiedData(size: number, seed: number): Float32Array {
  return randomData(size, seed).map((v) => Math.max(0, Math.round(v * 4) / 4));
}

for (const [b, h, w, c, k, stride, pad] of CASES) {
  for (const [kind, data] of [["random", randomData], ["tied", tiedData]] as const) {
    Deno.test(`MaxPoolGrad wasm == cpu (${kind}): ${b}x${h}x${w}x${c}, ${k}x${k} stride ${stride} pad ${pad}`, async () => {
      const inputs = [{ data: data(b * h * w * c, 21), shape: [b, h, w, c] }];
      const f = (x: tf.Tensor) => {
        const y = tf.maxPool(x as tf.Tensor4D, k, stride, pad);
        const dy = tf.tensor(randomData(y.size, 22), y.shape);
        const dx = tf.engine().runKernel("MaxPoolGrad", { dy, input: x, output: y }, {
          filterSize: k,
          strides: stride,
          pad,
        }) as tf.Tensor;
        tf.dispose([y, dy]);
        return [dx];
      };
      const [ref] = await runOn("cpu", inputs, f);
      const [got] = await runOn("wasm", inputs, f);
      // Sums of at most 9 gradients, each routed to the same (first) maximum as on cpu.
      assert(relativeError(got, ref) < 1e-6, `rel err ${relativeError(got, ref)}`);
    });
  }
}

Deno.test("MaxPoolGrad wasm == cpu through tf.grads after a ReLU", async () => {
  const inputs = [{ data: randomData(2 * 8 * 8 * 4, 23), shape: [2, 8, 8, 4] }];
  const f = (x: tf.Tensor) =>
    tf.grads((xx: tf.Tensor) =>
      tf.sum(tf.square(tf.maxPool(tf.relu(xx) as tf.Tensor4D, 2, 2, "valid")))
    )([x]);
  const [ref] = await runOn("cpu", inputs, f);
  const [got] = await runOn("wasm", inputs, f);
  assert(relativeError(got, ref) < 1e-6, `rel err ${relativeError(got, ref)}`);
});

Deno.test("MaxPoolGrad on wasm keeps tf.js' own kernel for int32 inputs", async () => {
  await useBackend("wasm");
  const x = tf.tensor4d([1, 5, 3, 2], [1, 2, 2, 1], "int32");
  const dy = tf.tensor4d([7], [1, 1, 1, 1], "int32");
  const dx = tf.engine().runKernel("MaxPoolGrad", { dy, input: x, output: dy }, {
    filterSize: 2,
    strides: 2,
    pad: "valid",
  }) as tf.Tensor;
  // The loop kernel always returns float32; int32 out means the original ran.
  assert.equal(dx.dtype, "int32");
  tf.dispose([x, dy, dx]);
});

Deno.test("MaxPoolGrad on wasm leaks no tensors or wasm buffers", async () => {
  await useBackend("wasm");
  const x = tf.tensor(randomData(2 * 6 * 6 * 3, 24), [2, 6, 6, 3]) as tf.Tensor4D;
  const y = tf.maxPool(x, 2, 2, "valid");
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const tensors = tf.memory().numTensors;
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (let i = 0; i < 3; i++) {
    const dx = tf.engine().runKernel("MaxPoolGrad", { dy: y, input: x, output: y }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
    }) as tf.Tensor;
    assert.deepEqual(dx.shape, x.shape);
    dx.dispose();
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  tf.dispose([x, y]);
});
