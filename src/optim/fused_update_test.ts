import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../backend/_test_webgpu_adapter.ts";
import { type BackendName, nativeUnavailableReason, useBackend } from "../backend/backend.ts";
import { runChildScript } from "../_test_child.ts";
import { setFusedKernels } from "../kernels/switch.ts";
import {
  gradients,
  makeVariables,
  oneStepDiff,
  OPTION_SETS,
  runSteps,
  trainingLosses,
} from "./_test_fused.ts";
import type { FusedWebgpuProbe } from "./_test_fused_webgpu_probe.ts";
import { lalc } from "./lalc.ts";

const HOSTS: BackendName[] = [
  "cpu",
  "wasm",
  ...(nativeUnavailableReason() ? [] : ["native" as const]),
];

// Relative to each tensor's largest element (see maxRelativeDiff). Measured on cpu, wasm and
// native alike: params <= 1.1e-7, slots <= 1.7e-7 (one float32 rounding); tolerance 1e-5.
const ONE_STEP_RTOL = 1e-5;
// Measured: <= 2.3e-7 relative over 30 steps (native; cpu, wasm <= 1.8e-7); tolerance 1e-4.
const LOSS_RTOL = 1e-4;

for (const backend of HOSTS) {
  Deno.test(`fused update = chain, one step from the same state, every option set (${backend})`, async () => {
    await useBackend(backend);
    const report: string[] = [];
    for (const set of OPTION_SETS) {
      const before = tf.memory().numTensors;
      const { params, slots, names } = await oneStepDiff(set);
      report.push(`${set.name}: params ${params.toExponential(1)} slots ${slots.toExponential(1)}`);
      assert.ok(params <= ONE_STEP_RTOL, `${set.name}: params differ by ${params}`);
      assert.ok(slots <= ONE_STEP_RTOL, `${set.name}: slots differ by ${slots}`);
      assert.deepEqual(names[0], names[1], `${set.name}: slot names`);
      assert.equal(tf.memory().numTensors, before, `${set.name}: tensors leaked`);
    }
    console.log(`${backend}\n  ${report.join("\n  ")}`);
  });

  Deno.test(`fused update trains a small MLP as the chain does, 30 steps (${backend})`, async () => {
    await useBackend(backend);
    const report: string[] = [];
    for (const set of OPTION_SETS) {
      const fused = await trainingLosses(set, 30, true);
      const chain = await trainingLosses(set, 30, false);
      const worst = Math.max(...fused.map((l, t) => Math.abs(l - chain[t]) / Math.abs(chain[t])));
      report.push(`${set.name}: ${worst.toExponential(1)}`);
      assert.ok(chain[29] < chain[0], `${set.name}: the loss did not fall`);
    }
    console.log(`${backend} losses\n  ${report.join("\n  ")}`);
    for (const line of report) assert.ok(Number(line.split(": ")[1]) <= LOSS_RTOL, line);
  });
}

Deno.test("the fused applyGradients is one kernel; the chain's are many", async () => {
  await useBackend("cpu");
  const lines: string[] = [];
  for (const set of OPTION_SETS) {
    const counts: number[] = [];
    for (const fused of [false, true]) {
      const params = makeVariables();
      const opt = set.make();
      runSteps(opt, params, 0, 1, fused); // makes the slots
      const grads = gradients(params, 1);
      setFusedKernels(fused);
      const info = await tf.profile(() => opt.applyGradients(grads));
      setFusedKernels(true);
      counts.push(info.kernels.length);
      tf.dispose(Object.values(grads));
      opt.dispose();
      tf.dispose(params);
    }
    lines.push(`${set.name}: chain ${counts[0]}, fused ${counts[1]}`);
    assert.equal(counts[1], 1, `${set.name}: the fused step ran ${counts[1]} kernels`);
    assert.ok(counts[0] > 6, `${set.name}: the chain ran only ${counts[0]} kernels`);
  }
  console.log(`kernels per applyGradients (6 tensors)\n  ${lines.join("\n  ")}`);
});

Deno.test("the fused step keeps the slot variables and leaks no tensors over repeated steps", async () => {
  await useBackend("wasm");
  for (const set of OPTION_SETS) {
    const params = makeVariables();
    const opt = set.make();
    runSteps(opt, params, 0, 1, true);
    const slotsBefore = (await opt.getWeights()).slice(1).map((w) => w.tensor);
    const count = tf.memory().numTensors;
    runSteps(opt, params, 1, 5, true);
    assert.equal(tf.memory().numTensors, count, `${set.name}: tensors leaked`);
    const slotsAfter = (await opt.getWeights()).slice(1).map((w) => w.tensor);
    assert.equal(slotsAfter.length, slotsBefore.length);
    slotsAfter.forEach((s, k) =>
      assert.equal(s, slotsBefore[k], `${set.name}: slot ${k} replaced`)
    );
    assert.equal(opt.iterations, 6);
    opt.dispose();
    tf.dispose(params);
  }
});

Deno.test("the chain runs where the fused kernel may not: switch off, skip policy, layer stats", async () => {
  await useBackend("cpu");
  const cases = [
    { opt: lalc({ learningRate: 0.1 }), off: true },
    { opt: lalc({ learningRate: 0.1, nonFinite: "skip" }), off: false },
    { opt: lalc({ learningRate: 0.1, recordLayerStats: true }), off: false },
  ];
  for (const { opt, off } of cases) {
    const params = makeVariables();
    runSteps(opt, params, 0, 1, !off);
    const grads = gradients(params, 1);
    setFusedKernels(!off);
    const info = await tf.profile(() => opt.applyGradients(grads));
    setFusedKernels(true);
    assert.ok(info.kernels.length > 6, `ran ${info.kernels.length} kernels`);
    assert.ok(info.kernels.every((k) => k.name !== "MultiTensorUpdate"));
    tf.dispose(Object.values(grads));
    opt.dispose();
    tf.dispose(params);
  }
});

const adapter = await webgpuAdapterInChild();
// Measured on lavapipe (float32 on both sides): momentum, LALC and LARS bit-identical to the
// chain; LAMB params <= 1.2e-7, slots <= 6.3e-6, 30-step losses <= 5.9e-7.
const WEBGPU_RTOL = 1e-5;

Deno.test({
  name: "fused update = chain on webgpu: one step, 30 training steps, one kernel, no leak" +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const out = await runChildScript(
      'import { runFusedWebgpuProbe } from "./src/optim/_test_fused_webgpu_probe.ts";\n' +
        "console.log(JSON.stringify(await runFusedWebgpuProbe()));\nDeno.exit(0);",
      ["--allow-read", "--allow-env"],
    );
    const line = out.stdout.trim().split("\n").at(-1) ?? "";
    const probe: FusedWebgpuProbe = JSON.parse(line.startsWith("{") ? line : "{}");
    assert.ok(probe.sets !== undefined, `no result: ${out.stderr.slice(-400)}`);
    assert.equal(Object.keys(probe.sets).length, OPTION_SETS.length);
    for (const [name, r] of Object.entries(probe.sets)) {
      assert.ok(r.params <= WEBGPU_RTOL, `${name}: params differ by ${r.params}`);
      assert.ok(r.slots <= WEBGPU_RTOL, `${name}: slots differ by ${r.slots}`);
      assert.ok(r.names, `${name}: slot names differ`);
      assert.ok(r.losses <= LOSS_RTOL, `${name}: losses differ by ${r.losses}`);
      assert.ok(r.fell, `${name}: the loss did not fall`);
    }
    assert.equal(probe.kernels, 1, "kernels of one fused LALC applyGradients");
    assert.equal(probe.leaked, 0, "tensors leaked over 5 fused steps");
  },
});
