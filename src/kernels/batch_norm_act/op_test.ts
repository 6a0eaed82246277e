import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../../backend/backend.ts";
import { BATCH_NORM_ACTIVATION_KERNEL } from "../../kernel_names.ts";
import { setFusedKernels, useFusedKernel } from "../switch.ts";
import { BN_CASES, maxDifferences } from "./_test_cases.ts";
import { batchNormActivation } from "./op.ts";

// Max relative difference per tensor, fused vs unfused, over BN_CASES (measured: cpu y 1.1e-7,
// running stats <= 1.2e-7, dx 1.0e-7, dgamma 1.1e-7, dbeta and dresidual 0; wasm and native
// y 9.1e-8, dx 1.2e-7, dgamma 1.6e-7): float32 rounding of the reference's own kernels.
const TOLERANCE = 1e-5;

for (const backend of ["cpu", "wasm", "native"] as BackendName[]) {
  Deno.test(`fused BN + activation equals the unfused reference on ${backend}`, async () => {
    await useBackend(backend);
    assert.ok(useFusedKernel(BATCH_NORM_ACTIVATION_KERNEL), "the fused kernel is registered");
    const worst = await maxDifferences(BN_CASES);
    console.log(backend, JSON.stringify(worst));
    for (const [name, diff] of Object.entries(worst)) {
      assert.ok(diff < TOLERANCE, `${name}: ${diff}`);
    }
  });
}

Deno.test("fused BN + activation: running statistics follow momentum 0.9 and n / (n - 1)", async () => {
  await useBackend("cpu");
  const p = {
    gamma: tf.variable(tf.ones([2])),
    beta: tf.variable(tf.zeros([2])),
    movingMean: tf.variable(tf.zeros([2]), false),
    movingVariance: tf.variable(tf.ones([2]), false),
  };
  const x = tf.tensor2d([[1, 10], [2, 20], [3, 30], [6, 60]]);
  tf.dispose(batchNormActivation(x, p));
  // batch means 3, 30; unbiased variances 14/3, 1400/3
  const mean = Array.from(p.movingMean.dataSync());
  const variance = Array.from(p.movingVariance.dataSync());
  [0.3, 3].forEach((m, i) => assert.ok(Math.abs(mean[i] - m) < 1e-6, `${mean}`));
  [0.9 + 0.1 * 14 / 3, 0.9 + 0.1 * 1400 / 3].forEach((v, i) =>
    assert.ok(Math.abs(variance[i] - v) < 1e-4 * v, `${variance}`)
  );
  // B = 1: zero variance, factor 1, so the running variance only decays
  const one = tf.tensor2d([[5, 7]]);
  tf.dispose(batchNormActivation(one, p, { relu: true }));
  variance.forEach((v, i) => assert.ok(Math.abs(p.movingVariance.dataSync()[i] - 0.9 * v) < 1e-4));
  tf.dispose([x, one, p.gamma, p.beta, p.movingMean, p.movingVariance]);
});

for (const fused of [true, false]) {
  Deno.test(`BN + activation leaks no tensors over repeated steps (fused ${fused})`, async () => {
    await useBackend("cpu");
    setFusedKernels(fused);
    const p = {
      gamma: tf.variable(tf.ones([8])),
      beta: tf.variable(tf.zeros([8])),
      movingMean: tf.variable(tf.zeros([8]), false),
      movingVariance: tf.variable(tf.ones([8]), false),
    };
    const x = tf.randomNormal([16, 8]), r = tf.randomNormal([16, 8]);
    try {
      const counts: number[] = [];
      for (let i = 0; i < 10; i++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => tf.sum(tf.square(batchNormActivation(x, p, { relu: true, residual: r }))),
            [p.gamma, p.beta],
          );
          tf.dispose(grads);
        });
        tf.dispose(batchNormActivation(x, p)); // outside a tidy and a tape
        counts.push(tf.memory().numTensors);
      }
      assert.deepEqual(new Set(counts).size, 1, `tensor counts ${counts}`);
    } finally {
      setFusedKernels(true);
      tf.dispose([x, r, p.gamma, p.beta, p.movingMean, p.movingVariance]);
    }
  });
}

/**
 * Kernels one MLP block (matMul -> BN -> ReLU) launches forward and backward, less those of
 * the same step without BN: the BN layer's own. Identity is left out: it is how the tape
 * keeps a saved tensor (a reference count, no data moved).
 */
async function bnLayerKernels(fused: boolean): Promise<string[]> {
  await useBackend("cpu");
  setFusedKernels(fused);
  const p = {
    gamma: tf.variable(tf.ones([8])),
    beta: tf.variable(tf.zeros([8])),
    movingMean: tf.variable(tf.zeros([8]), false),
    movingVariance: tf.variable(tf.ones([8]), false),
  };
  const w = tf.variable(tf.randomNormal([4, 8]));
  const x = tf.randomNormal([16, 4]);
  const kernelsOf = async (withBn: boolean) => {
    const info = await tf.profile(() => {
      tf.tidy(() => {
        const h = () => tf.matMul(x, w);
        const f = (): tf.Scalar =>
          tf.sum(withBn ? batchNormActivation(h(), p, { relu: true }) : h());
        tf.dispose(tf.variableGrads(f, withBn ? [w, p.gamma, p.beta] : [w]).grads);
      });
    });
    return info.kernels.map((k) => k.name).filter((name) => name !== "Identity");
  };
  try {
    const [withBn, without] = [await kernelsOf(true), await kernelsOf(false)];
    for (const name of without) withBn.splice(withBn.indexOf(name), 1);
    return withBn;
  } finally {
    setFusedKernels(true);
    tf.dispose([x, w, p.gamma, p.beta, p.movingMean, p.movingVariance]);
  }
}

Deno.test("one MLP block's BN + ReLU: 2 kernels fused, many more unfused", async () => {
  const fused = await bnLayerKernels(true);
  const unfused = await bnLayerKernels(false);
  console.log(`fused ${fused.length}: ${fused}\nunfused ${unfused.length}: ${unfused}`);
  assert.deepEqual(fused, ["BatchNormActivation", "BatchNormActivationGrad"]);
  assert.ok(unfused.length >= 15, `unfused: ${unfused.length} kernels`);
});
