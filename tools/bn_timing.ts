/**
 * Times one BN forward + backward at the benchmark's hot-path size (batch 256, width 256) for
 * the closed-form custom gradient against two autodiff versions, on the backend named by the
 * first argument (default wasm), and prints the ratios.
 *
 * ```sh
 * deno run --allow-read --allow-env tools/bn_timing.ts wasm
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../src/backend/backend.ts";
import { batchNorm } from "../src/models/batch_norm.ts";
import {
  batchNormElementwise,
  batchNormFusedAutodiff,
} from "../src/models/_test_batch_norm_reference.ts";
import { ParamStore } from "../src/models/params.ts";

const backend = (Deno.args[0] ?? "wasm") as BackendName;
await useBackend(backend);
const store = new ParamStore("bnTiming", 0);
const p = store.batchNorm("bn", 256);
const x = tf.randomNormal([256, 256]);
const impls: Record<string, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  closedForm: (xi, g, b) =>
    batchNorm(xi, { ...p, gamma: g as tf.Variable, beta: b as tf.Variable }, true),
  fusedAutodiff: batchNormFusedAutodiff,
  elementwiseAutodiff: batchNormElementwise,
};
function run(f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor): void {
  tf.tidy(() => {
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.relu(f(xi, g, b)))
    )(
      [x, p.gamma, p.beta],
    );
    grads[0].dataSync();
  });
}
const reps = 200;
const ms: Record<string, number> = {};
for (const f of Object.values(impls)) run(f); // warm up
for (let round = 0; round < 3; round++) {
  for (const [name, f] of Object.entries(impls)) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run(f);
    const each = (performance.now() - t) / reps;
    ms[name] = Math.min(ms[name] ?? Infinity, each);
  }
}
console.log(`backend ${backend}, BN [256, 256] forward+backward, best of 3 rounds of ${reps}:`);
for (const [name, t] of Object.entries(ms)) {
  console.log(`  ${name}: ${t.toFixed(3)} ms, ${(t / ms.closedForm).toFixed(2)}x closedForm`);
}
store.dispose();
