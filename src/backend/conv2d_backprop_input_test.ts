import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { useBackend } from "./backend.ts";
import { backpropInputPadding } from "./conv2d_backprop_input.ts";

type Pad = "same" | "valid" | number;

/** The current backend's Conv2DBackpropInput kernel on `dy` and `filter` (NHWC unless told). */
function backpropInput(
  dy: tf.Tensor,
  filter: tf.Tensor,
  attrs: { strides: number; pad: Pad; inputShape: number[]; dataFormat?: "NHWC" | "NCHW" },
): tf.Tensor {
  const all = { dataFormat: "NHWC", ...attrs };
  return tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, all) as tf.Tensor;
}

/** [batch, height, width, inC, outC, kernel, stride, pad] */
const CASES: [number, number, number, number, number, number, number, Pad][] = [
  [2, 8, 8, 1, 4, 3, 1, "same"],
  [1, 8, 8, 32, 32, 3, 1, "same"],
  [3, 7, 7, 32, 32, 3, 1, "valid"],
  [2, 8, 8, 3, 5, 3, 2, "same"],
  [2, 9, 9, 3, 32, 3, 2, "same"],
  [2, 9, 9, 3, 32, 3, 2, "valid"],
  [2, 8, 8, 32, 3, 3, 2, "valid"],
  [2, 6, 6, 32, 3, 1, 2, "valid"],
  [1, 5, 5, 32, 1, 1, 1, "same"],
  [1, 9, 9, 3, 8, 5, 2, "same"],
  [2, 11, 11, 1, 3, 5, 1, "valid"],
  [2, 10, 7, 3, 4, 5, 3, "same"],
  [1, 6, 9, 3, 4, 3, 2, 2],
  [2, 8, 8, 4, 6, 3, 1, 1],
  [1, 4, 4, 3, 2, 1, 1, 2],
  [2, 5, 5, 3, 2, 1, 2, "valid"],
];

for (const [b, h, w, inC, outC, k, stride, pad] of CASES) {
  const name = `x ${b}x${h}x${w}x${inC}, ${k}x${k}x${outC}, stride ${stride}, pad ${pad}`;
  Deno.test(`Conv2DBackpropInput wasm == cpu: ${name}`, async () => {
    const info = tf.backend_util.computeConv2DInfo(
      [b, h, w, inC],
      [k, k, inC, outC],
      stride,
      1,
      pad,
    );
    const dyShape = [b, info.outHeight, info.outWidth, outC];
    const inputs = [
      { data: randomData(dyShape.reduce((p, q) => p * q), 11), shape: dyShape },
      { data: randomData(k * k * inC * outC, 12), shape: [k, k, inC, outC] },
    ];
    const f = (dy: tf.Tensor, filter: tf.Tensor) => [
      backpropInput(dy, filter, { strides: stride, pad, inputShape: [b, h, w, inC] }),
    ];
    const [ref] = await runOn("cpu", inputs, f);
    const [got] = await runOn("wasm", inputs, f);
    // The bound; the sums have at most 5·5·32 terms.
    assert(relativeError(got, ref) < 1e-4, `rel err ${relativeError(got, ref)}`);
  });
}

Deno.test("Conv2DBackpropInput wasm == cpu through tf.grads of a strided conv", async () => {
  const inputs = [
    { data: randomData(2 * 9 * 9 * 3, 13), shape: [2, 9, 9, 3] },
    { data: randomData(3 * 3 * 3 * 8, 14), shape: [3, 3, 3, 8] },
  ];
  const f = (x: tf.Tensor, w: tf.Tensor) =>
    tf.grads((xx: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 2, "same")))
    )([x]);
  const [ref] = await runOn("cpu", inputs, f);
  const [got] = await runOn("wasm", inputs, f);
  assert(relativeError(got, ref) < 1e-4, `rel err ${relativeError(got, ref)}`);
});

Deno.test("Conv2DBackpropInput on wasm falls back to tf.js' own kernel for NCHW", async () => {
  const inputs = [
    { data: randomData(2 * 4 * 5 * 5, 15), shape: [2, 4, 5, 5] },
    { data: randomData(3 * 3 * 3 * 4, 16), shape: [3, 3, 3, 4] },
  ];
  const f = (dy: tf.Tensor, filter: tf.Tensor) => [
    backpropInput(dy, filter, {
      strides: 1,
      pad: "same",
      dataFormat: "NCHW",
      inputShape: [2, 3, 5, 5],
    }),
  ];
  const [ref] = await runOn("cpu", inputs, f);
  const [got] = await runOn("wasm", inputs, f);
  assert(relativeError(got, ref) < 1e-4, `rel err ${relativeError(got, ref)}`);
});

Deno.test("backpropInputPadding crops what the conv never reads", () => {
  // 3x3 same, stride 1: pad 1 each side, nothing cropped.
  assert.deepEqual(backpropInputPadding({ inSize: 8, k: 3, stride: 1, padBefore: 1 }, 8), {
    cropBefore: 0,
    cropAfter: 0,
    padBefore: 1,
    padAfter: 1,
  });
  // 1x1 valid, stride 2 on 6: the zero-filled gradient (length 6) covers exactly the input.
  assert.deepEqual(backpropInputPadding({ inSize: 6, k: 1, stride: 2, padBefore: 0 }, 3), {
    cropBefore: 0,
    cropAfter: 0,
    padBefore: 0,
    padAfter: 0,
  });
  // 1x1 with explicit pad 2 on 4 (8 outputs): the 2 outputs on each side read only padding.
  const p = backpropInputPadding({ inSize: 4, k: 1, stride: 1, padBefore: 2 }, 8);
  assert.deepEqual(p, { cropBefore: 2, cropAfter: 2, padBefore: 0, padAfter: 0 });
  // 1x1 valid, stride 2 on 5 (3 outputs): the zero-filled gradient has one zero too many.
  const q = backpropInputPadding({ inSize: 5, k: 1, stride: 2, padBefore: 0 }, 3);
  assert.deepEqual(q, { cropBefore: 0, cropAfter: 1, padBefore: 0, padAfter: 0 });
});

Deno.test("Conv2DBackpropInput on wasm frees its intermediates", async () => {
  await useBackend("wasm");
  const dy = tf.tensor(randomData(2 * 4 * 4 * 4, 5), [2, 4, 4, 4]);
  const filter = tf.tensor(randomData(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]);
  const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
  const tensors = tf.memory().numTensors;
  const ids = wasmBackend.dataIdMap.numDataIds();
  for (const strides of [1, 2]) {
    for (let i = 0; i < 3; i++) {
      const inputShape = [2, 4 * strides, 4 * strides, 3];
      const dx = backpropInput(dy, filter, { strides, pad: "same", inputShape });
      assert.deepEqual(dx.shape, [2, 4 * strides, 4 * strides, 3]);
      dx.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(wasmBackend.dataIdMap.numDataIds(), ids);
  tf.dispose([dy, filter]);
});
