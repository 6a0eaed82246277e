import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";
import { backpropFilterPadding, setIm2colMaxChannels } from "./conv2d_backprop_filter.ts";

/** [batch, size, inC, outC, kernel, stride, pad] */
const CASES: [number, number, number, number, number, number, "same" | "valid"][] = [
  [2, 8, 1, 4, 3, 1, "same"],
  [2, 8, 3, 5, 3, 2, "same"],
  [2, 9, 3, 32, 3, 2, "valid"],
  [1, 7, 32, 32, 3, 1, "valid"],
  [2, 6, 32, 3, 1, 2, "valid"],
  [1, 9, 3, 8, 5, 2, "same"],
  [2, 5, 32, 1, 1, 1, "same"],
  // The last input row is never read (cropped), and a stride of 3.
  [2, 8, 3, 4, 3, 2, "valid"],
  [1, 10, 3, 4, 5, 3, "same"],
  [3, 12, 8, 6, 3, 1, "same"],
  // One input channel: the patch-matrix path (stride 2 with a cropped row, 5x5 stride 3).
  [3, 28, 1, 32, 3, 1, "same"],
  [2, 9, 1, 6, 3, 2, "valid"],
  [2, 10, 1, 4, 5, 3, "same"],
];

for (const [b, size, inC, outC, k, stride, pad] of CASES) {
  Deno.test(`Conv2DBackpropFilter wasm == cpu: x ${b}x${size}x${size}x${inC}, ${k}x${k}x${outC}, stride ${stride}, ${pad}`, async () => {
    const xShape = [b, size, size, inC];
    const outSize = pad === "same" ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
    const dyShape = [b, outSize, outSize, outC];
    const inputs = [
      { data: randomData(b * size * size * inC, 1), shape: xShape },
      { data: randomData(b * outSize * outSize * outC, 2), shape: dyShape },
    ];
    // Both input and filter gradients: the filter one is ours, the input one is wasm's own.
    const grads = (x: tf.Tensor, dy: tf.Tensor) => {
      const w = tf.zeros([k, k, inC, outC]);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad), dy))
      )([x, tf.add(w, randomWeight(k, inC, outC))]);
      w.dispose();
      return g;
    };
    const [dxCpu, dwCpu] = await runOn("cpu", inputs, grads);
    const [dxWasm, dwWasm] = await runOn("wasm", inputs, grads);
    // The bound; float32 sums of a few hundred terms stay far below it.
    assert(relativeError(dwWasm, dwCpu) < 1e-4, `dW rel err ${relativeError(dwWasm, dwCpu)}`);
    assert(relativeError(dxWasm, dxCpu) < 1e-4, `dX rel err ${relativeError(dxWasm, dxCpu)}`);
  });
}

Deno.test("backpropFilterPadding yields exactly k positions", () => {
  // 3x3 same, stride 1, 8 -> 8: one zero row on each side.
  assert.deepEqual(backpropFilterPadding(8, 3, 1, 1, 8), { before: 1, after: 1 });
  // 3x3 valid, stride 2, 8 -> 3: taps reach input rows 0..6; row 7 is cropped.
  assert.deepEqual(backpropFilterPadding(8, 3, 2, 0, 3), { before: 0, after: -1 });
});

function randomWeight(k: number, inC: number, outC: number): tf.Tensor {
  return tf.tensor(randomData(k * k * inC * outC, 3), [k, k, inC, outC]);
}

/** The current backend's Conv2DBackpropFilter kernel on `x` and `dy` (NHWC unless told). */
function backpropFilter(
  x: tf.Tensor,
  dy: tf.Tensor,
  attrs: {
    strides: number;
    pad: "same" | "valid";
    filterShape: number[];
    dataFormat?: "NHWC" | "NCHW";
  },
): tf.Tensor {
  const all = { dataFormat: "NHWC", ...attrs };
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, all) as tf.Tensor;
}

Deno.test("Conv2DBackpropFilter on wasm frees its intermediates", async () => {
  await useBackend("wasm");
  const x = tf.tensor(randomData(2 * 8 * 8 * 3, 4), [2, 8, 8, 3]) as tf.Tensor4D;
  const dy = tf.tensor(randomData(2 * 4 * 4 * 4, 5), [2, 4, 4, 4]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  for (let i = 0; i < 3; i++) {
    const dw = backpropFilter(x, dy, { strides: 2, pad: "same", filterShape: [3, 3, 3, 4] });
    assert.deepEqual(dw.shape, [3, 3, 3, 4]);
    dw.dispose();
  }
  assert.deepEqual(tf.memory().numTensors, before);
  assert.deepEqual(tf.memory().numBytes, bytesBefore);
  // The wasm heap must not keep the kernel's temporaries either.
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const ids = wasmBackend.dataIdMap.numDataIds();
  backpropFilter(x, dy, { strides: 2, pad: "same", filterShape: [3, 3, 3, 4] });
  assert.deepEqual(wasmBackend.dataIdMap.numDataIds(), ids + 1);
  tf.dispose([x, dy]);
});

Deno.test("Conv2DBackpropFilter on wasm rejects NCHW with a clear message", async () => {
  await useBackend("wasm");
  const x = tf.zeros([1, 3, 4, 4]);
  const dy = tf.zeros([1, 2, 4, 4]);
  try {
    let message = "";
    try {
      backpropFilter(x, dy, {
        strides: 1,
        pad: "same",
        dataFormat: "NCHW",
        filterShape: [3, 3, 3, 2],
      });
    } catch (e) {
      message = (e as Error).message;
    }
    assert(message.includes('dataFormat "NCHW"') && message.includes("NHWC"), message);
  } finally {
    tf.dispose([x, dy]);
  }
});

Deno.test("Conv2DBackpropFilter wasm: the patch-matrix path matches cpu for inC 3 too", async () => {
  const before = setIm2colMaxChannels(Infinity);
  try {
    const inputs = [
      { data: randomData(2 * 9 * 9 * 3, 6), shape: [2, 9, 9, 3] },
      { data: randomData(2 * 5 * 5 * 4, 7), shape: [2, 5, 5, 4] },
    ];
    const f = (x: tf.Tensor, dy: tf.Tensor) => [
      backpropFilter(x, dy, { strides: 2, pad: "same", filterShape: [3, 3, 3, 4] }),
    ];
    const [cpu] = await runOn("cpu", inputs, f);
    const [wasm] = await runOn("wasm", inputs, f);
    assert(relativeError(wasm, cpu) < 1e-4, `dW rel err ${relativeError(wasm, cpu)}`);
  } finally {
    setIm2colMaxChannels(before);
  }
});

Deno.test("Conv2DBackpropFilter wasm: the patch-matrix path frees its intermediates", async () => {
  await useBackend("wasm");
  const x = tf.tensor(randomData(2 * 8 * 8, 8), [2, 8, 8, 1]);
  const dy = tf.tensor(randomData(2 * 8 * 8 * 4, 9), [2, 8, 8, 4]);
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const before = tf.memory().numTensors;
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (let i = 0; i < 3; i++) {
    tf.dispose(backpropFilter(x, dy, { strides: 1, pad: "same", filterShape: [3, 3, 1, 4] }));
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  tf.dispose([x, dy]);
});

Deno.test("setIm2colMaxChannels rejects a negative count", () => {
  assert.throws(() => setIm2colMaxChannels(-1), /n = -1; allowed: a number >= 0/);
});
