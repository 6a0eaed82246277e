/**
 * wasm matrix products: tf.js' own kernels vs this project's explicit-transpose override, and
 * the Conv2DBackpropFilter kernel this project adds (vs the forward conv of the same shape).
 * `deno bench` prints each group's ratios against its baseline.
 *
 * Run: deno bench --allow-read --allow-env bench/backend_matmul.ts
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../src/backend/backend.ts";
import { setWasmMatMulOverride } from "../src/backend/wasm_kernels.ts";

await useBackend("wasm");

for (const n of [256, 1024]) {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  const cases: [string, boolean, boolean, boolean][] = [
    ["plain", false, false, false],
    ["transposeA, tf.js", true, false, false],
    ["transposeA, override", true, false, true],
    ["transposeB, tf.js", false, true, false],
    ["transposeB, override", false, true, true],
  ];
  for (const [name, tA, tB, override] of cases) {
    Deno.bench({
      name: `matmul ${n}: ${name}`,
      group: `matmul ${n}`,
      baseline: name === "plain",
      // tf.js' transposeA at 1024 takes seconds per call: a few timed runs are enough.
      n: n === 1024 ? 4 : 30,
      warmup: 1,
      fn: () => {
        setWasmMatMulOverride(override);
        const y = tf.matMul(a, b, tA, tB);
        y.dataSync();
        y.dispose();
      },
    });
  }
}

// W2's first pooled block shape: batch 128, 14x14x32, 3x3 same.
const x = tf.randomNormal([128, 14, 14, 32], 0, 1, "float32", 3) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 32], 0, 1, "float32", 4) as tf.Tensor4D;
const dy = tf.randomNormal([128, 14, 14, 32], 0, 1, "float32", 5) as tf.Tensor4D;
Deno.bench({
  name: "conv2d forward 128x14x14x32 3x3x32",
  group: "conv",
  n: 5,
  warmup: 1,
  baseline: true,
  fn: () => {
    tf.tidy(() => tf.conv2d(x, w, 1, "same").dataSync());
  },
});
Deno.bench({
  name: "Conv2DBackpropFilter (added kernel)",
  group: "conv",
  n: 5,
  warmup: 1,
  fn: () => {
    tf.tidy(() =>
      (tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        filterShape: [3, 3, 32, 32],
      }) as tf.Tensor).dataSync()
    );
  },
});
Deno.bench({
  name: "Conv2DBackpropInput (tf.js wasm)",
  group: "conv",
  n: 5,
  warmup: 1,
  fn: () => {
    tf.tidy(() => tf.conv2dTranspose(dy, w, [128, 14, 14, 32], 1, "same").dataSync());
  },
});
