import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../../backend/backend.ts";
import { firstBitDifference, type Specials, testFloats } from "../_test_bits.ts";
import { hostIO } from "../host.ts";
import {
  batchNormActivationGradHost,
  batchNormActivationHost,
  type HostKernelArgs,
} from "./host.ts";
import { BN_EPSILON, BN_MOMENTUM } from "./reference.ts";
import { batchNormSimd } from "./simd.ts";

// MLP [n, c] and NHWC [n, h, w, c]: c = 2 ... 256, n = 1, and odd c (the JavaScript loops
// on both sides: checks the fallback).
const SHAPES = [
  [64, 2],
  [33, 8],
  [16, 16],
  [9, 32],
  [5, 64],
  [3, 256],
  [1, 16],
  [1, 256],
  [2, 3, 3, 8],
  [3, 4, 4, 32],
  [1, 2, 2, 64],
  [1, 1, 1, 2],
  [7, 5],
  [2, 3, 3, 3],
];

/** Forward then backward of one case with the SIMD loops on or off; every output's values. */
function run(
  shape: number[],
  o: { relu: boolean; residual: boolean; specials: Specials; simd: boolean; seed: number },
): Float32Array[] {
  const c = shape[shape.length - 1];
  const size = tf.util.sizeFromShape(shape);
  const sp = o.specials;
  const inputs = {
    x: tf.tensor(testFloats(size, o.seed, { mean: 3, std: 2, specials: sp }), shape),
    gamma: tf.tensor(testFloats(c, o.seed + 1, { mean: 1, std: 0.5, specials: sp }), [c]),
    beta: tf.tensor(testFloats(c, o.seed + 2, { specials: sp }), [c]),
    movingMean: tf.tensor(testFloats(c, o.seed + 3), [c]),
    movingVariance: tf.tensor(testFloats(c, o.seed + 4, { mean: 1, std: 0.5 }), [c]),
    ...(o.residual
      ? { residual: tf.tensor(testFloats(size, o.seed + 5, { specials: sp }), shape) }
      : {}),
  };
  const dy = tf.tensor(testFloats(size, o.seed + 6, { specials: sp }), shape);
  const backend = tf.backend();
  const attrs = { epsilon: BN_EPSILON, momentum: BN_MOMENTUM, relu: o.relu };
  const made: tf.Tensor[] = [];
  const wrap = (infos: tf.TensorInfo[]) =>
    infos.map((info) => {
      const t = tf.engine().makeTensorFromTensorInfo(info);
      made.push(t);
      return t;
    });
  const args = (i: unknown, a: unknown) =>
    ({ inputs: i, backend, attrs: a }) as unknown as HostKernelArgs;
  try {
    const [y, stats, newMean, newVar] = wrap(
      batchNormActivationHost(args(inputs, attrs), o.simd),
    );
    const grads = wrap(batchNormActivationGradHost(
      args({ dy, x: inputs.x, y, gamma: inputs.gamma, stats }, {
        relu: o.relu,
        residual: o.residual,
      }),
      o.simd,
    ));
    return [y, stats, newMean, newVar, ...grads].map((t) => t.dataSync() as Float32Array);
  } finally {
    tf.dispose([...Object.values(inputs), dy, ...made]);
  }
}

const OUTPUTS = ["y", "stats", "newMean", "newVar", "dx", "dgamma", "dbeta", "dz"];

for (const backend of ["wasm", "native"] as BackendName[]) {
  Deno.test(`BN + activation: SIMD loops give the JavaScript loops' bits on ${backend}`, async () => {
    await useBackend(backend);
    const heap = hostIO(tf.backend()).heap;
    assert.ok(heap !== undefined, "the backend's heap is found");
    assert.ok(batchNormSimd(heap, 8) !== null, "the SIMD loops run here");
    assert.equal(batchNormSimd(heap, 7), null, "odd c keeps the JavaScript loops");
    const before = tf.memory().numTensors;
    let seed = 10, cases = 0;
    for (const shape of SHAPES) {
      for (const specials of ["none", "wide", "extremes", "nonfinite"] as Specials[]) {
        for (const relu of [false, true]) {
          for (const residual of [false, true]) {
            seed += 10;
            const o = { relu, residual, specials, seed };
            const simd = run(shape, { ...o, simd: true });
            const js = run(shape, { ...o, simd: false });
            simd.forEach((values, i) => {
              const diff = firstBitDifference(values, js[i], specials === "nonfinite");
              assert.equal(diff, null, `[${shape}] ${JSON.stringify(o)} ${OUTPUTS[i]}: ${diff}`);
            });
            cases++;
          }
        }
      }
    }
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    assert.equal(cases, SHAPES.length * 16);
  });
}

Deno.test("BN + activation: the nonfinite data do reach the outputs (the check sees NaN)", async () => {
  await useBackend("wasm");
  const [y, , , , dx] = run([16, 16], {
    relu: false,
    residual: true,
    specials: "nonfinite",
    simd: true,
    seed: 3,
  });
  assert.ok(y.some(Number.isNaN) && dx.some(Number.isNaN));
  const negativeZero = run([33, 8], {
    relu: true,
    residual: true,
    specials: "extremes",
    simd: true,
    seed: 5,
  })[7];
  assert.ok(negativeZero.some((v) => Object.is(v, -0)), "dz holds -0 (masked negative dy)");
});
