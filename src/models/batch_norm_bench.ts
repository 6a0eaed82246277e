/**
 * One BN forward + backward at the benchmark's hot-path size (batch 256, width 256): the
 * closed-form custom gradient of `batch_norm.ts` against two autodiff versions; `deno bench`
 * prints each one's time as a multiple of the closed form's.
 *
 * ```sh
 * deno bench --allow-read --allow-env src/models/batch_norm_bench.ts
 * ```
 *
 * `OPTIM_BENCH_BACKEND=cpu` (or another backend) picks the backend; default wasm.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../backend/backend.ts";
import { batchNorm } from "./batch_norm.ts";
import { batchNormElementwise, batchNormFusedAutodiff } from "./_test_batch_norm_reference.ts";
import { ParamStore } from "./params.ts";

await useBackend((Deno.env.get("OPTIM_BENCH_BACKEND") ?? "wasm") as BackendName);
const store = new ParamStore("bnBench", 0);
const p = store.batchNorm("bn", 256);
const x = tf.randomNormal([256, 256]);

type Bn = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
const closedForm: Bn = (xi, g, b) =>
  batchNorm(xi, { ...p, gamma: g as tf.Variable, beta: b as tf.Variable }, true);

/** One forward + backward, read back so the backend finishes its work inside the timing. */
function step(bn: Bn): void {
  tf.tidy(() => {
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.relu(bn(xi, g, b)))
    )([x, p.gamma, p.beta]);
    grads[0].dataSync();
  });
}

const group = "BN [256, 256] forward + backward";
Deno.bench("closed form", { group, baseline: true }, () => step(closedForm));
Deno.bench("fused op, autodiff", { group }, () => step(batchNormFusedAutodiff));
Deno.bench("elementwise, autodiff", { group }, () => step(batchNormElementwise));
