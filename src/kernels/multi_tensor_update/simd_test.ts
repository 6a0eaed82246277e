import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../../backend/backend.ts";
import { firstBitDifference, type Specials, testFloats } from "../_test_bits.ts";
import { hostIO } from "../host.ts";
import { NEUTRAL_HYPER, type UpdateAttrs, type UpdateMethod } from "./attrs.ts";
import { multiTensorUpdateHost } from "./host.ts";
import { traceSimd } from "./simd.ts";

// Even and odd lengths, 1 and 2 (one pair, no pair), a 256-wide layer's matrix and bias.
const SHAPES = [[256, 256], [256], [17], [1], [2], [3, 5], [64, 33]];

/** One kernel call over every shape of {@link SHAPES}; every output's values. */
function run(attrs: UpdateAttrs, specials: Specials, seed: number, simd: boolean): Float32Array[] {
  const slots = attrs.method === "lamb" ? 2 : 1;
  const tensors = Array.from(
    { length: (2 + slots) * SHAPES.length },
    (_, k) => {
      const shape = SHAPES[k % SHAPES.length];
      const kind = Math.floor(k / SHAPES.length); // params, grads, slots
      const size = tf.util.sizeFromShape(shape);
      const values = testFloats(size, seed + k, {
        std: kind === 1 ? 0.01 : 1,
        specials: kind === 3 ? "none" : specials, // LAMB's v stays >= 0
      });
      if (kind === 3) values.forEach((v, i) => values[i] = v * v);
      return tf.tensor(values, shape);
    },
  );
  const inputs = Object.fromEntries(tensors.map((t, k) => [String(k), t]));
  const outputs = multiTensorUpdateHost({
    inputs,
    backend: tf.backend(),
    attrs: attrs as unknown as tf.NamedAttrMap,
  }, simd).map((info) => tf.engine().makeTensorFromTensorInfo(info));
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose([...tensors, ...outputs]);
  return values;
}

/** The methods, momentum SGD with its rate outside and inside the buffer. */
const METHODS: ReadonlyArray<[UpdateMethod, boolean]> = [
  ["momentum", false],
  ["momentum", true],
  ["lalc", false],
  ["lars", false],
  ["lamb", false],
];

/** Every combination of method, Nesterov, decay and trust, with per-tensor masks that mix. */
function allAttrs(): UpdateAttrs[] {
  const out: UpdateAttrs[] = [];
  const p = SHAPES.length;
  for (const [method, rateInBuffer] of METHODS) {
    for (const nesterov of [false, true]) {
      for (const weightDecay of [0, 1e-3]) {
        for (const trusted of [false, true]) {
          out.push({
            ...NEUTRAL_HYPER,
            method,
            momentum: 0.9,
            nesterov,
            rateInBuffer,
            weightDecay,
            trustCoefficient: method === "lars" ? 1e-3 : 1,
            minRatio: 0.01,
            maxRatio: 10,
            epsilon: 1e-8,
            trustClip: nesterov, // both clip settings, without another loop
            learningRate: 0.1,
            step: 3,
            decayMask: Array.from({ length: p }, (_, i) => i % 2 === 0),
            trustMask: Array.from({ length: p }, (_, i) => trusted && i !== 1),
          });
        }
      }
    }
  }
  return out;
}

for (const backend of ["wasm", "native"] as BackendName[]) {
  Deno.test(`MultiTensorUpdate: SIMD loops give the JavaScript loops' bits on ${backend}`, async () => {
    await useBackend(backend);
    assert.ok(traceSimd(hostIO(tf.backend()).heap) !== null, "the SIMD loops run here");
    const before = tf.memory().numTensors;
    let seed = 1000, cases = 0;
    for (const attrs of allAttrs()) {
      for (const specials of ["none", "wide", "extremes", "nonfinite"] as Specials[]) {
        seed += 100;
        const [simd, js] = [run(attrs, specials, seed, true), run(attrs, specials, seed, false)];
        simd.forEach((values, k) => {
          const diff = firstBitDifference(values, js[k], specials === "nonfinite");
          const { method, nesterov, rateInBuffer, weightDecay, trustMask } = attrs;
          const label = JSON.stringify({
            method,
            nesterov,
            rateInBuffer,
            weightDecay,
            trustMask,
            specials,
          });
          assert.equal(diff, null, `${label} output ${k}: ${diff}`);
        });
        cases++;
      }
    }
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    assert.equal(cases, METHODS.length * 2 * 2 * 2 * 4);
  });
}

Deno.test("MultiTensorUpdate: the test data move the norms (a wrong sum would show)", async () => {
  await useBackend("wasm");
  const simd = traceSimd(hostIO(tf.backend()).heap)!;
  const w = tf.tensor(testFloats(1001, 1, { specials: "extremes" }));
  const g = tf.tensor(testFloats(1001, 2, { std: 0.01 }));
  const io = hostIO(tf.backend());
  const [wNorm, uNorm] = simd.norms(io.floats(w), io.floats(g), 1e-3);
  // 3e38 among the weights: the float64 sum of squares holds it (float32 would overflow)
  assert.ok(wNorm > 3e38 && Number.isFinite(wNorm), `${wNorm}`);
  assert.ok(uNorm > 3e35 && Number.isFinite(uNorm), `${uNorm}`);
  tf.dispose([w, g]);
});
