import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../backend/backend.ts";
import { setFusedKernels } from "../kernels/switch.ts";
import { buildModel } from "./build.ts";
import type { ModelSpec } from "./types.ts";
import { loss } from "./_test_sgd.ts";

/**
 * One training step's loss, gradients and new running statistics of a fresh model (same
 * seed, same batch), with the fused kernels on or off.
 */
function step(spec: ModelSpec, inputShape: number[], fused: boolean): Map<string, Float32Array> {
  setFusedKernels(fused);
  const model = buildModel(spec, inputShape, 10);
  const out = new Map<string, Float32Array>();
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([5, ...inputShape], 0, 1, "float32", 11);
      const y = tf.tensor1d([0, 3, 9, 3, 1], "int32");
      const { value, grads } = tf.variableGrads(
        () => loss(model.forward(x, { training: true }).logits, y),
        model.params,
      );
      out.set("loss", value.dataSync() as Float32Array);
      for (const p of model.params) {
        out.set(p.name.replace(/^[^/]*\//, ""), grads[p.name].dataSync() as Float32Array);
      }
      for (const v of model.state) {
        out.set(v.name.replace(/^[^/]*\//, ""), v.dataSync() as Float32Array);
      }
    });
    return out;
  } finally {
    setFusedKernels(true);
    model.dispose();
  }
}

/**
 * Scales below this count as this: some tensors are rounding noise around zero in both
 * paths (the gradient of a beta a later BN cancels, the mean of a layer after a linear BN).
 */
const FLOOR = 1e-2;

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0, scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  });
  return diff / Math.max(scale, FLOOR);
}

const CASES: { spec: ModelSpec; inputShape: number[] }[] = [
  { spec: { kind: "mlp", depth: 3, width: 16, seed: 1 }, inputShape: [6, 6, 1] },
  { spec: { kind: "mlp", depth: 2, width: 8, seed: 4, activation: "linear" }, inputShape: [5] },
  { spec: { kind: "cnn", depth: 3, width: 4, seed: 2 }, inputShape: [8, 8, 3] },
  { spec: { kind: "resnet", depth: 8, width: 4, seed: 3 }, inputShape: [8, 8, 3] },
  { spec: { kind: "resnet", depth: 20, width: 4, seed: 5 }, inputShape: [8, 8, 3] },
];

// Measured worst relative difference per tensor (2026-12-05, the 2-core machine): mlp <= 5.0e-7,
// cnn <= 1.3e-6, resnet-8 <= 1.2e-6, resnet-20 <= 2.3e-6 (cpu, wasm, native); the noise tensors
// of the linear MLP (values ~3e-8) differ by <= 6e-8 absolute, 6.0e-6 of FLOOR. The issue's
// bound for one fused step against the unfused one is 1e-5.
const TOLERANCE = 1e-5;

for (const backend of ["cpu", "wasm", "native"] as BackendName[]) {
  Deno.test(`models: a fused training step equals the unfused one on ${backend}`, async () => {
    await useBackend(backend);
    for (const { spec, inputShape } of CASES) {
      const before = tf.memory().numTensors;
      const fused = step(spec, inputShape, true);
      const unfused = step(spec, inputShape, false);
      assert.equal(tf.memory().numTensors, before, "no leaks");
      assert.deepEqual([...fused.keys()], [...unfused.keys()]);
      let worst = 0, where = "";
      for (const [name, values] of fused) {
        const diff = relativeDifference(values, unfused.get(name)!);
        if (diff > worst) [worst, where] = [diff, name];
      }
      console.log(`${backend} ${spec.kind}: worst ${worst.toExponential(2)} (${where})`);
      assert.ok(worst < TOLERANCE, `${spec.kind} ${where}: ${worst}`);
    }
  });
}
