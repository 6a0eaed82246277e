/**
 * The fused host kernels' JavaScript loops against their wasm SIMD loops (the same bits,
 * see src/kernels/\*\/simd_test.ts), on one backend's heap: BatchNormActivation forward +
 * backward (ReLU, no residual) at [256, 256], [128, 64] and NHWC [128, 14, 14, 32], and
 * MultiTensorUpdate (momentum and LALC) over the parameters of a 16-block 256-wide MLP
 * (784 -> 256, 15 more 256 x 256 blocks with bias, BN gamma and beta; head 256 -> 10: 66
 * tensors, 1.19M floats; LALC with decay and the layer-wise rate on the matrices). Calls the
 * kernel bodies directly, JavaScript and SIMD alternating, and prints the median ms per call,
 * ns per element (of `x` for BN, of the params for the update) and the speedup. ~20 s.
 *
 *     deno run --allow-read --allow-env --allow-ffi bench/host_simd.ts [backend]
 *
 * `backend`: `wasm` (default) or `native` (the same heap and loops).
 *
 * Measured twice on the shared 2-core machine while a benchmark grid kept both cores busy
 * (load average ~8; wasm; JS -> SIMD ns per element, speedup): BN [256, 256] 7.0 -> 3.0
 * (2.4x), [128, 64] 7.0 -> 3.5 (2.0x; per-call costs weigh at 8K elements), NHWC
 * [128, 14, 14, 32] 14.9 -> 5.5 and 11.3 -> 2.8 (2.7x, 4.0x); update momentum 5.1 -> 1.3
 * and 2.0 -> 0.9 (3.9x, 2.2x), LALC 9.2 -> 3.0 and 3.4 -> 1.7 (3.1x, 2.0x). LALC's norms
 * pass is one chain of dependent float64 adds per sum in either body (the order the bits
 * need), which bounds it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../src/backend/backend.ts";
import {
  batchNormActivationGradHost,
  batchNormActivationHost,
  type HostKernelArgs,
} from "../src/kernels/batch_norm_act/host.ts";
import { NEUTRAL_HYPER, type UpdateAttrs } from "../src/kernels/multi_tensor_update/attrs.ts";
import { multiTensorUpdateHost } from "../src/kernels/multi_tensor_update/host.ts";

const backendName = (Deno.args[0] ?? "wasm") as BackendName;
await useBackend(backendName);
const backend = tf.backend();

/** A timed case: `run(simd)` makes one call and returns what to dispose. */
interface Case {
  readonly name: string;
  readonly elements: number;
  run(simd: boolean): tf.TensorInfo[];
}

function bnCase(shape: number[]): Case {
  const c = shape[shape.length - 1];
  const x = tf.randomNormal(shape, 3, 2, "float32", 1);
  const dy = tf.randomNormal(shape, 0, 1, "float32", 2);
  const [gamma, beta] = [tf.ones([c]), tf.zeros([c])];
  const [movingMean, movingVariance] = [tf.zeros([c]), tf.ones([c])];
  const args = (inputs: object, attrs: object) =>
    ({ inputs, backend, attrs }) as unknown as HostKernelArgs;
  return {
    name: `BN fwd+bwd [${shape}]`,
    elements: x.size,
    run(simd) {
      const inputs = { x, gamma, beta, movingMean, movingVariance };
      const fwd = batchNormActivationHost(
        args(inputs, { epsilon: 1e-5, momentum: 0.9, relu: true }),
        simd,
      );
      const [y, stats] = fwd;
      const bwd = batchNormActivationGradHost(
        args({ dy, x, y, gamma, stats }, { relu: true, residual: false }),
        simd,
      );
      return [...fwd, ...bwd];
    },
  };
}

function mlpShapes(width: number): number[][] {
  const shapes: number[][] = [];
  for (let b = 0; b < 16; b++) {
    shapes.push([b === 0 ? 784 : width, width], [width], [width], [width]);
  }
  shapes.push([width, 10], [10]);
  return shapes;
}

function updateCase(method: "momentum" | "lalc"): Case {
  const shapes = mlpShapes(256);
  const make = (seed: number, std: number) =>
    shapes.map((s, k) => tf.randomNormal(s, 0, std, "float32", seed + k));
  const tensors = [...make(100, 0.05), ...make(200, 0.01), ...make(300, 0.01)];
  const inputs = Object.fromEntries(tensors.map((t, k) => [String(k), t]));
  const matrix = shapes.map((s) => s.length === 2);
  const attrs: UpdateAttrs = {
    ...NEUTRAL_HYPER,
    method,
    momentum: 0.9,
    weightDecay: method === "lalc" ? 5e-4 : 0,
    minRatio: 0.01,
    maxRatio: 10,
    epsilon: 1e-8,
    learningRate: 0.1,
    step: 0,
    decayMask: method === "lalc" ? matrix : matrix.map(() => false),
    trustMask: method === "lalc" ? matrix : matrix.map(() => false),
  };
  return {
    name: `update ${method} MLP-16x256`,
    elements: shapes.reduce((sum, s) => sum + tf.util.sizeFromShape(s), 0),
    run: (simd) =>
      multiTensorUpdateHost(
        { inputs, backend, attrs: attrs as unknown as tf.NamedAttrMap },
        simd,
      ),
  };
}

const cases = [
  bnCase([256, 256]),
  bnCase([128, 64]),
  bnCase([128, 14, 14, 32]),
  updateCase("momentum"),
  updateCase("lalc"),
];

function timeOnce(c: Case, simd: boolean): number {
  const start = performance.now();
  const outs = c.run(simd);
  const ms = performance.now() - start;
  for (const o of outs) backend.disposeData(o.dataId);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const BUDGET_MS = 3500; // per case, both bodies
console.log(`backend ${backendName}, tf.js ${tf.version_core}, Deno ${Deno.version.deno}`);
console.log("case | JS ms | SIMD ms | JS ns/elt | SIMD ns/elt | speedup");
for (const c of cases) {
  for (let k = 0; k < 3; k++) [true, false].forEach((simd) => timeOnce(c, simd)); // warm-up
  const times = { js: [] as number[], simd: [] as number[] };
  const start = performance.now();
  while (performance.now() - start < BUDGET_MS || times.js.length < 5) {
    times.js.push(timeOnce(c, false));
    times.simd.push(timeOnce(c, true));
  }
  const [js, simd] = [median(times.js), median(times.simd)];
  const ns = (ms: number) => (ms * 1e6 / c.elements).toFixed(2);
  console.log(
    `${c.name} | ${js.toFixed(3)} | ${simd.toFixed(3)} | ${ns(js)} | ${ns(simd)} | ` +
      `${(js / simd).toFixed(2)}x (${times.js.length} calls each)`,
  );
}
