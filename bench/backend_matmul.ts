/**
 * wasm matrix products: tf.js' own kernels vs this project's explicit-transpose override.
 * The conv and pool kernels are timed by bench/backend_kernels.ts with `deno run`: under
 * `deno bench`, kernels with large outputs take ~1 s per call whatever they compute (a ReLU of
 * 128x28x28x32: 2.3 s there, 8 ms under `deno run`), which is where an earlier "forward
 * conv2d 1.3 s" came from.
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
