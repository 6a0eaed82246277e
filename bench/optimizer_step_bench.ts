/**
 * Cost of ONE `applyGradients` for each optimizer on the parameters of a 16-layer, 256-wide
 * BN MLP (784 -> 256, 15 more 256x256 blocks, each with bias, BN gamma and beta; classifier
 * 256 -> 10): 66 tensors, 1.25 M weights. Goal: LALC and LARS <= 1.3x momentum, LAMB <= 1.3x
 * tf.js Adam, read from the `deno bench` summary of each group.
 *
 *     deno bench --allow-read --allow-env bench/optimizer_step_bench.ts
 *
 * `OPTIM_BENCH_BACKEND=wasm` (or cpu, webgpu) picks another backend; default: the default
 * backend (native where its libraries load).
 *
 * Measured on wasm (2 shared cores, 3 runs, ratio of the summary's averages): LALC 1.18-1.24x
 * and LARS 1.11-1.21x momentum, LAMB 0.80-0.83x Adam. Before the fused norm kernel
 * (src/backend/_simd_sum_squares.ts) LALC was 1.61x and LARS 1.50-1.65x momentum.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, defaultBackend, useBackend } from "../src/backend/backend.ts";
import { lalc } from "../src/optim/lalc.ts";
import { lamb } from "../src/optim/lamb.ts";
import { lars } from "../src/optim/lars.ts";
import { momentum } from "../src/optim/momentum.ts";

const chosen = Deno.env.get("OPTIM_BENCH_BACKEND") as BackendName | undefined;
await useBackend(chosen ?? await defaultBackend());

const WIDTH = 256;
const BLOCKS = 16;

function mlpShapes(): Array<[string, number[]]> {
  const shapes: Array<[string, number[]]> = [];
  for (let b = 0; b < BLOCKS; b++) {
    shapes.push([`block${b}/kernel`, [b === 0 ? 784 : WIDTH, WIDTH]]);
    shapes.push([`block${b}/bias`, [WIDTH]]);
    shapes.push([`block${b}/gamma`, [WIDTH]]);
    shapes.push([`block${b}/beta`, [WIDTH]]);
  }
  shapes.push(["head/kernel", [WIDTH, 10]], ["head/bias", [10]]);
  return shapes;
}

/** Fresh variables (one set per optimizer, so no optimizer sees another's drift). */
function makeParams(
  tag: string,
): { params: tf.Variable[]; grads: Array<{ name: string; tensor: tf.Tensor }> } {
  const params = mlpShapes().map(([name, shape], i) =>
    tf.variable(tf.randomNormal(shape, 0, 0.05, "float32", i), true, `${tag}/${name}`)
  );
  const grads = params.map((p, i) => ({
    name: p.name,
    tensor: tf.randomNormal(p.shape, 0, 1e-3, "float32", 1000 + i),
  }));
  return { params, grads };
}

const cases: Array<[string, string, boolean, () => tf.Optimizer]> = [
  ["momentum", "sgd-like", true, () => momentum({ learningRate: 0.1 })],
  ["lalc", "sgd-like", false, () => lalc({ learningRate: 0.1 })],
  ["lars", "sgd-like", false, () => lars({ learningRate: 0.1 })],
  [
    "lalc, weightDecay 5e-4",
    "sgd-like",
    false,
    () => lalc({ learningRate: 0.1, weightDecay: 5e-4 }),
  ],
  ["tf.train.momentum", "sgd-like", false, () => tf.train.momentum(0.1, 0.9)],
  ["tf.train.adam", "adam-like", true, () => tf.train.adam(1e-3)],
  ["lamb", "adam-like", false, () => lamb({ learningRate: 1e-3 })],
];

for (const [name, group, baseline, make] of cases) {
  const { grads } = makeParams(name);
  const optimizer = make();
  Deno.bench({
    name,
    group,
    baseline,
    // Many samples: the machine is shared, so averages of few iterations swing by 2x.
    warmup: 50,
    n: 400,
    fn() {
      optimizer.applyGradients(grads);
    },
  });
}
