/**
 * Child-process half of the fallback test (native_test.ts): picks the default backend as the
 * CLIs do, computes a small conv + matmul, and prints `{backend, values}` as one JSON line.
 * Run with and without `--allow-ffi` to see both paths.
 *
 * Run: `deno run --allow-read --allow-env src/backend/_test_native_fallback_probe.ts`
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "./backend.ts";
import { defaultBackendWithNote } from "../cli/backend.ts";
import { randomData } from "./_test_compare.ts";

if (import.meta.main) {
  const backend = await useBackend(await defaultBackendWithNote(), { threads: 1 });
  const x = tf.tensor4d(randomData(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
  const w = tf.tensor4d(randomData(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
  const m = tf.tensor2d(randomData(4 * 5, 3), [4, 5]);
  const y = tf.matMul(tf.reshape(tf.conv2d(x, w, 1, "same"), [-1, 4]), m);
  console.log(JSON.stringify({ backend, values: Array.from(await y.data()) }));
}
