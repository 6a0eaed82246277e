import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { lalc } from "../optim/lalc.ts";
import { formatProfile, profileTraining } from "./profile.ts";
import { setFusedKernels } from "../kernels/switch.ts";

/** Profiles 2 steps of a depth-`depth` MLP with LALC on cpu, checking that nothing leaks. */
async function profileMlp(depth: number) {
  const before = tf.memory().numTensors;
  const p = await profileTraining({
    dataset: makeSyntheticDataset({ sampleShape: [6], seed: 1 }),
    model: { kind: "mlp", depth, width: 8, seed: 1 },
    makeOptimizer: () => lalc({ learningRate: 0.1 }),
    batchSize: 16,
    seed: 1,
    steps: 2,
  });
  assertEquals(tf.memory().numTensors, before);
  return p;
}

Deno.test("profileTraining counts one step's kernels of an MLP with LALC, fused and unfused, leaking nothing", async () => {
  await useBackend("cpu");
  const depth = 4;
  const fused = await profileMlp(depth);
  setFusedKernels(false);
  const unfused = await profileMlp(depth).finally(() => setFusedKernels(true));
  for (const [p, scopes] of [[fused, 0], [unfused, depth]] as const) {
    const calls = (name: string) => p.rows.find((r) => r.kernel === name)?.calls;
    // depth + 1 weight layers: each forward product and its weight gradient, and the input
    // gradient of all but the first.
    assertEquals(calls("BatchMatMul"), 3 * (depth + 1) - 1);
    // Unfused: one customGrad record per batch norm, kept out of the kernel count.
    assertEquals(p.scopesPerStep, scopes);
    assertEquals(calls("unnamed scope"), undefined);
    // Every step runs the same kernels: a whole number per step, the rows add up to it.
    assert(Number.isInteger(p.kernelsPerStep), `${p.kernelsPerStep}`);
    assertEquals(p.rows.reduce((s, r) => s + r.calls, 0), p.kernelsPerStep);
    assert(p.matmulShare > 0 && p.matmulShare < 1 && p.convShare === 0, `${p.matmulShare}`);
    assert(p.wallMsPerStep > 0 && p.kernelMsPerStep > 0);
    const text = formatProfile(p, p.rows.length);
    assert(text.includes(`${p.kernelsPerStep} kernels per step (+ ${scopes} customGrad scopes)`));
    assertEquals(text.split("\n").filter((l) => l.startsWith("| BatchMatMul |")).length, 2);
  }
  // One kernel forward and one backward per batch norm, one for the loss, its gradient, the
  // norms and the update.
  assert(unfused.kernelsPerStep > 100, `${unfused.kernelsPerStep}`);
  assert(fused.kernelsPerStep * 2 < unfused.kernelsPerStep, `${fused.kernelsPerStep}`);
  assertEquals(fused.rows.find((r) => r.kernel === "BatchNormActivation")?.calls, depth);
  assertEquals(fused.rows.find((r) => r.kernel === "MultiTensorUpdate")?.calls, 1);
});

Deno.test("profileTraining reports the convolutions' share of a CNN", async () => {
  await useBackend("cpu");
  const p = await profileTraining({
    dataset: makeSyntheticDataset({ sampleShape: [8, 8, 1], seed: 1 }),
    model: { kind: "cnn", depth: 2, width: 4, seed: 1 },
    makeOptimizer: () => tf.train.momentum(0.1, 0.9),
    batchSize: 8,
    seed: 1,
    warmup: 1,
    steps: 1,
  });
  assert(p.rows.some((r) => r.kernel === "Conv2D"));
  assert(p.convShare > 0 && p.convShare + p.matmulShare <= 1 + 1e-9, `${p.convShare}`);
});

/** Runs `cli.ts train` on a small synthetic MLP on cpu with `extra` arguments. */
async function train(...extra: string[]): Promise<{ code: number; stdout: string }> {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const args = ["--dataset", "synthetic", "--depth", "2", "--width", "8", "--batch-size", "32"];
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--allow-env", cli, "train", ...args, "--steps", "3", ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("train --profile prints the profile and leaves the run's numbers as they were", async () => {
  const common = ["--optimizer", "lalc", "--backend", "cpu", "--json"];
  const plain = await train(...common);
  const profiled = await train(...common, "--profile");
  assertEquals([plain.code, profiled.code], [0, 0]);
  const a = JSON.parse(plain.stdout.trim().split("\n").at(-1)!);
  const b = JSON.parse(profiled.stdout.trim().split("\n").at(-1)!);
  assertEquals(a.profile, undefined);
  assertEquals([b.trainLoss, b.maxGradNorm], [a.trainLoss, a.maxGradNorm]);
  assertEquals(b.profile.scopesPerStep, 0); // the fused batch norm records no customGrad scope
  assert(b.profile.kernelsPerStep > 10 && b.profile.rows.length > 5);
  const text = await train("--backend", "cpu", "--profile");
  assertEquals(text.code, 0);
  assert(/^profile \(cpu, 3 steps\): \d+ kernels per step/m.test(text.stdout), text.stdout);
  assert(text.stdout.includes("top 10 by time:"));
});
