/**
 * wasm conv and pool kernels on W2's shapes: tf.js' own vs this project's overrides, against
 * the plain matmul of the same multiply-adds (convs) and one elementwise pass (pool). Median
 * of `--n` timed calls after one warm-up; every row of one run is comparable as a ratio.
 *
 * Run: deno run --allow-read --allow-env bench/backend_kernels.ts [--n 5]
 *
 * (Not `deno bench`: there, kernels with large outputs take ~1 s per call, see
 * backend_matmul.ts.)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { guard } from "../src/cli/guard.ts";
import { intOption, parseCommand } from "../src/cli/args.ts";
import { useBackend } from "../src/backend/backend.ts";
import { setWasmConvOverride } from "../src/backend/wasm_kernels.ts";

/** Median milliseconds of `n` calls of `f` (after one warm-up call), reading the result. */
export function medianMs(f: () => tf.Tensor, n: number): number {
  const run = () => {
    const y = f();
    y.dataSync();
    y.dispose();
  };
  run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

const HELP = `usage: backend_kernels.ts [--n N]

wasm conv and pool kernels on W2's shapes against the matmul of the same multiply-adds.

  --n N       timed calls per kernel, median reported (default 5)
  -h, --help  show this text`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommand({
    name: "backend_kernels",
    help: HELP,
    options: { n: { type: "string", default: "5" } },
  }, args);
  if (parsed === undefined) return 0;
  const n = intOption("n", parsed.values.n, 1);
  await useBackend("wasm");
  const rows: [string, number][] = [];
  const time = (name: string, f: () => tf.Tensor) => rows.push([name, medianMs(f, n)]);
  // W2's middle layer: batch 128, 14x14x32, 3x3x32 same.
  const x = tf.randomNormal([128, 14, 14, 32], 0, 1, "float32", 3) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 32], 0, 1, "float32", 4) as tf.Tensor4D;
  const dy = tf.randomNormal([128, 14, 14, 32], 0, 1, "float32", 5) as tf.Tensor4D;
  const patches = tf.randomNormal([128 * 14 * 14, 9 * 32], 0, 1, "float32", 6);
  const w2d = tf.reshape(w, [9 * 32, 32]);
  time("matmul [25088, 288] x [288, 32] (im2col equivalent)", () => tf.matMul(patches, w2d));
  time("Conv2D forward (tf.js wasm, XNNPACK)", () => tf.conv2d(x, w, 1, "same"));
  time(
    "Conv2DBackpropFilter (this project)",
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        filterShape: [3, 3, 32, 32],
      }) as tf.Tensor,
  );
  for (const override of [false, true]) {
    setWasmConvOverride(override);
    time(
      `Conv2DBackpropInput (${override ? "this project" : "tf.js wasm"})`,
      () => tf.conv2dTranspose(dy, w, [128, 14, 14, 32], 1, "same"),
    );
  }
  // W2's first pool: 2x2 over 128x28x28x32 post-ReLU activations.
  const big = tf.relu(tf.randomNormal([128, 28, 28, 32], 0, 1, "float32", 7)) as tf.Tensor4D;
  const pooled = tf.maxPool(big, 2, 2, "valid");
  time("ReLU 128x28x28x32 (one elementwise pass)", () => tf.relu(big));
  for (const override of [false, true]) {
    setWasmConvOverride(override);
    time(
      `MaxPoolGrad 2x2 on 128x28x28x32 (${override ? "this project" : "tf.js wasm"})`,
      () =>
        tf.engine().runKernel("MaxPoolGrad", { dy: pooled, input: big, output: pooled }, {
          filterSize: 2,
          strides: 2,
          pad: "valid",
        }) as tf.Tensor,
    );
  }
  console.log(`| kernel | median ms (n=${n}) |\n|---|---:|`);
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} |`);
  return 0;
}

if (import.meta.main) Deno.exit(await guard("backend_kernels", () => main(Deno.args)));
