import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { SQUARED_NORMS_KERNEL } from "../kernel_names.ts";
import { squaredNorms } from "./_norms.ts";
import { lalc } from "./lalc.ts";
import { lars } from "./lars.ts";
import { assertClose } from "./_test_problem.ts";

const SHAPES = [[784, 256], [256], [256, 10], [3, 3, 64, 128], [0], [5000]];

function values(seed: number): number[][] {
  return SHAPES.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, j) => Math.sin(seed + 0.37 * j + i) * (1 + i));
  });
}

Deno.test("squaredNorms on wasm (the fused kernel) agrees with float64 sums, in input order", async () => {
  await useBackend("wasm");
  try {
    const xs = values(1);
    const tensors = xs.map((x, i) => tf.tensor(x, SHAPES[i]));
    const got = squaredNorms(tensors);
    assertClose(await got.data(), xs.map((x) => x.reduce((s, v) => s + v * v, 0)), "norms", 1e-5);
    assert.deepEqual(got.shape, [SHAPES.length]);
    tf.dispose([...tensors, got]);
    assert.deepEqual(squaredNorms([]).shape, [0]);
  } finally {
    await useBackend("cpu");
  }
});

Deno.test("lalc and lars steps agree between wasm and cpu", async () => {
  const results: number[][][] = [];
  for (const backend of ["cpu", "wasm"] as const) {
    await useBackend(backend);
    const params = values(2).map((x, i) =>
      tf.variable(tf.tensor(x, SHAPES[i]), true, `nb/${backend}/${i}`)
    );
    const grads = values(3).map((x, i) => ({
      name: params[i].name,
      tensor: tf.tensor(x, SHAPES[i]),
    }));
    for (
      const opt of [lalc({ learningRate: 0.1, weightDecay: 1e-3 }), lars({ learningRate: 0.1 })]
    ) {
      for (let t = 0; t < 3; t++) opt.applyGradients(grads);
      opt.dispose();
    }
    results.push(await Promise.all(params.map(async (p) => Array.from(await p.data()))));
    tf.dispose([...params, ...grads.map((g) => g.tensor)]);
  }
  await useBackend("cpu");
  results[1].forEach((v, i) => assertClose(v, results[0][i], `tensor ${i}`, 1e-4, 1e-6));
});

Deno.test("squaredNorms on wasm is one kernel dispatch that reads nothing back and leaks nothing", async () => {
  await useBackend("wasm");
  try {
    const xs = values(4).map((x, i) => tf.tensor(x, SHAPES[i]));
    const profile = await tf.profile(() => tf.tidy(() => squaredNorms(xs)));
    assert.deepEqual(profile.kernels.map((k) => k.name), [SQUARED_NORMS_KERNEL]);
    tf.dispose(profile.result as tf.Tensor);

    const backend = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const originals = { read: backend.read, readSync: backend.readSync };
    let reads = 0;
    backend.read = (...a) => (reads++, originals.read.apply(backend, a));
    backend.readSync = (...a) => (reads++, originals.readSync.apply(backend, a));
    const before = tf.memory().numTensors;
    let got: tf.Tensor;
    try {
      got = tf.tidy(() => squaredNorms(xs));
    } finally {
      Object.assign(backend, originals);
    }
    assert.equal(reads, 0, "reads during squaredNorms");
    assert.equal(tf.memory().numTensors, before + 1, "only the result is new");
    tf.dispose([...xs, got]);
  } finally {
    await useBackend("cpu");
  }
});
