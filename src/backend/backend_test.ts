import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, type BackendName, useBackend } from "./backend.ts";
import { loadTensorflowBackend } from "./tensorflow.ts";
import { webgpuAdapterInfo } from "./webgpu.ts";
import { tinyTrainingLosses } from "./_tiny_training.ts";

function assertClose(got: number[], want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}: loss ${i} is ${got[i]}`);
    const rel = Math.abs(got[i] - want[i]) / Math.abs(want[i]);
    assert.ok(rel < tol, `${what}: step ${i} loss ${got[i]} vs cpu ${want[i]} (rel ${rel})`);
  }
}

Deno.test("useBackend rejects an unknown name, naming the allowed ones", async () => {
  await assert.rejects(
    () => useBackend("tpu" as BackendName),
    /unknown backend "tpu"; allowed: wasm, cpu, webgpu, tensorflow/,
  );
});

Deno.test("backendInfo reports wasm's threads, SIMD and kernel overrides", async () => {
  await useBackend("wasm");
  const info = backendInfo();
  assert.equal(info.name, "wasm");
  // Deno looks like Node to tf.js, which then forces the single-threaded build (see README).
  assert.equal(info.threads, 1);
  assert.equal(info.simd, true);
  assert.deepEqual([...info.kernelOverrides].sort(), [
    "BatchMatMul",
    "Conv2DBackpropFilter",
    "Conv2DBackpropInput",
    "FusedBatchNorm",
    "MaxPoolGrad",
    "Mean",
    "Sum",
    "_FusedMatMul",
  ]);
  assert.equal(info.tfjsVersion, "4.22.0");
  await useBackend("cpu");
  assert.deepEqual(backendInfo().kernelOverrides, []);
});

Deno.test("wasm overrides are installed once: a second useBackend keeps the same kernel", async () => {
  await useBackend("wasm");
  const first = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
  await useBackend("cpu");
  await useBackend("wasm");
  assert.equal(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, first);
});

// Same weights and data on both backends: losses agree to float32 accumulation noise
// (the 1e-4 relative bound on single kernels; 1e-3 over several dependent steps).
Deno.test("wasm trains a tiny CNN (BN, max-pool, stride-2 conv) like cpu", async () => {
  const cpu = await tinyTrainingLosses("cpu", "cnn", 4);
  const before = tf.memory().numTensors;
  const wasm = await tinyTrainingLosses("wasm", "cnn", 4);
  assert.equal(tf.memory().numTensors, before);
  assertClose(wasm, cpu, 1e-3, "wasm cnn");
  assert.ok(cpu[3] < cpu[0], `cpu losses should fall: ${cpu}`);
});

const adapter = await webgpuAdapterInfo().catch(() => null);
for (const kind of ["mlp", "cnn"] as const) {
  Deno.test({
    name: `webgpu trains a tiny ${kind} like cpu` +
      (adapter === null ? " (SKIPPED: no WebGPU adapter; install mesa-vulkan-drivers)" : ""),
    ignore: adapter === null,
    // The webgpu backend keeps a device and timers alive after the test.
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const cpu = await tinyTrainingLosses("cpu", kind, 4);
      const gpu = await tinyTrainingLosses("webgpu", kind, 4);
      assert.ok(backendInfo().device !== null);
      assertClose(gpu, cpu, 1e-3, `webgpu ${kind}`);
    },
  });
}

Deno.test("tensorflow backend: when tfjs-node is absent the error says how to install it", async () => {
  await assert.rejects(() => useBackend("tensorflow"), (e: Error) => {
    for (
      const needle of [
        "npm install @tensorflow/tfjs-node-gpu",
        "deno.json",
        "nodeModulesDir",
        "CUDA 11.2",
        "cuDNN 8.1",
        "libtensorflow 2.9.1",
      ]
    ) assert.ok(e.message.includes(needle), `missing "${needle}" in: ${e.message}`);
    return true;
  });
});

Deno.test("tensorflow backend: the first package that imports wins", async () => {
  const tried: string[] = [];
  const name = await loadTensorflowBackend((s) => {
    tried.push(s);
    return s.endsWith("-gpu") ? Promise.reject(new Error("no gpu build")) : Promise.resolve({});
  });
  assert.equal(name, "@tensorflow/tfjs-node");
  assert.deepEqual(tried, ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);
});
