import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, useBackend } from "./backend.ts";
import { randomData, relativeError, runOn } from "./_test_compare.ts";
import { tinyTrainingLosses } from "./_test_tiny_training.ts";
import { loadNativeLibs, NATIVE_LIBRARY_PATHS, nativeCalls } from "./native_ffi.ts";

const libs = loadNativeLibs();
const skip = typeof libs === "string";
const why = skip ? ` (SKIPPED: ${libs})` : "";

type Input = { data: Float32Array; shape: number[] };
const input = (shape: number[], seed: number): Input => ({
  data: randomData(shape.reduce((p, q) => p * q, 1), seed),
  shape,
});

/** Runs `f` on cpu and native; asserts every output within 1e-4 and what path native took. */
async function matchesCpu(
  what: string,
  inputs: Input[],
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
  path: "native" | "fallback",
): Promise<void> {
  const want = await runOn("cpu", inputs, f);
  const before = { ...nativeCalls };
  const got = await runOn("native", inputs, f);
  const took = path === "native"
    ? nativeCalls.native - before.native
    : nativeCalls.fallback - before.fallback;
  assert.ok(took > 0, `${what}: expected the ${path} path to run`);
  for (let i = 0; i < want.length; i++) {
    const rel = relativeError(got[i], want[i]);
    assert.ok(rel < 1e-4, `${what}, output ${i}: relative error ${rel}`);
  }
}

Deno.test({
  name: `native matmuls match cpu: transposes, batches, broadcast, fused bias${why}`,
  ignore: skip,
  fn: async () => {
    for (const [m, k, n] of [[1, 1, 1], [7, 13, 5], [64, 33, 17], [130, 257, 96]]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = input(ta ? [k, m] : [m, k], m + k);
          const b = input(tb ? [n, k] : [k, n], k + n);
          await matchesCpu(
            `${m}x${k}x${n} tA=${ta} tB=${tb}`,
            [a, b],
            (x, y) => [tf.matMul(x, y, ta, tb)],
            "native",
          );
        }
      }
    }
    await matchesCpu(
      "batched 3x[5x6]·[6x4], tB",
      [input([3, 5, 6], 1), input([3, 4, 6], 2)],
      (x, y) => [tf.matMul(x, y, false, true)],
      "native",
    );
    await matchesCpu(
      "batched against one matrix [2,3,5,6]·[6,4]",
      [input([2, 3, 5, 6], 3), input([6, 4], 4)],
      (x, y) => [tf.matMul(x, y)],
      "native",
    );
    // tf.js 4.22's own wasm kernel gets this one wrong (batched fused matmul with a bias).
    await matchesCpu(
      "fused, batched, bias + relu",
      [input([2, 5, 6], 5), input([2, 6, 4], 6), input([4], 7)],
      (x, y, bias) => [tf.fused.matMul({ a: x, b: y, bias, activation: "relu" })],
      "native",
    );
    await matchesCpu(
      "fused, transposeA, bias + sigmoid",
      [input([6, 5], 8), input([6, 4], 9), input([4], 10)],
      (x, y, bias) => [
        tf.fused.matMul({ a: x, b: y, bias, transposeA: true, activation: "sigmoid" }),
      ],
      "native",
    );
  },
});

Deno.test({
  name: `native matmul falls back to wasm where it does not apply, still right${why}`,
  ignore: skip,
  fn: async () => {
    // Batch shapes that broadcast both ways: not a single sgemm loop.
    await matchesCpu(
      "[2,1,3,4]·[1,3,4,5]",
      [input([2, 1, 3, 4], 11), input([1, 3, 4, 5], 12)],
      (x, y) => [tf.matMul(x, y)],
      "fallback",
    );
  },
});

Deno.test({
  name: `native leading-axes Sum and Mean match cpu; other axes fall back${why}`,
  ignore: skip,
  fn: async () => {
    await matchesCpu(
      "batch norm's reductions (2^18 elements and more)",
      [input([64, 8, 8, 64], 31), input([29128, 9], 32)],
      (x, y) => [
        tf.sum(x, [0, 1, 2]),
        tf.mean(x, [0, 1, 2], true),
        tf.sum(y, 0),
        tf.mean(y, [0]),
        tf.sum(x, [0, 1]),
      ],
      "native",
    );
    await matchesCpu(
      "innermost axis",
      [input([30, 9], 33)],
      (y) => [tf.sum(y, 1), tf.mean(y, -1)],
      "fallback",
    );
    await matchesCpu(
      "small (under NATIVE_REDUCE_MIN)",
      [input([256, 256], 34)],
      (y) => [tf.sum(y, 0), tf.mean(y, 0)],
      "fallback",
    );
  },
});

/** Forward conv and both gradients of sum(conv(x, w) · ramp). */
const convAndGrads = (
  strides: number | [number, number],
  pad: "same" | "valid",
  dilations: number | [number, number] = 1,
) =>
(x: tf.Tensor, w: tf.Tensor): tf.Tensor[] => {
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, "NHWC", dilations);
  const y = f(x, w);
  const ramp = tf.linspace(-1, 1, y.size).reshape(y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), ramp)))([
    x,
    w,
  ]);
  return [y, dx, dw];
};

Deno.test({
  name: `native convolutions (forward, input and filter gradients) match cpu${why}`,
  ignore: skip,
  fn: async () => {
    const cases: [number[], number[], number | [number, number], "same" | "valid"][] = [
      [[2, 9, 9, 3], [3, 3, 3, 5], 1, "same"],
      [[2, 9, 9, 3], [3, 3, 3, 5], 2, "same"],
      [[2, 9, 9, 3], [3, 3, 3, 5], 2, "valid"],
      [[1, 8, 11, 4], [3, 2, 4, 6], [2, 1], "valid"],
      [[3, 7, 7, 8], [1, 1, 8, 16], 1, "same"],
      [[2, 10, 10, 16], [5, 5, 16, 8], 3, "same"],
      [[4, 28, 28, 1], [3, 3, 1, 32], 1, "same"],
    ];
    for (const [xs, ws, s, p] of cases) {
      await matchesCpu(
        `x ${xs} w ${ws} stride ${s} ${p}`,
        [input(xs, xs[1] + ws[3]), input(ws, ws[0] + 3)],
        convAndGrads(s, p),
        "native",
      );
    }
    await matchesCpu(
      "dilation 2",
      [input([2, 11, 11, 3], 21), input([3, 3, 3, 4], 22)],
      (x, w) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same", "NHWC", 2)],
      "native",
    );
  },
});

Deno.test({
  name: `native kernels leak no tensors over a training step loop${why}`,
  ignore: skip,
  fn: async () => {
    await tinyTrainingLosses("native", "cnn", 1);
    const before = tf.memory().numTensors;
    await tinyTrainingLosses("native", "cnn", 3);
    await tinyTrainingLosses("native", "mlp", 3);
    assert.equal(tf.memory().numTensors, before);
  },
});

// Same weights and data: the tiny trainings agree with cpu to 1e-3 over 4 dependent steps,
// as wasm does (backend_test.ts); measured on native: below 1e-6 on this machine.
for (const kind of ["mlp", "cnn"] as const) {
  Deno.test({
    name: `native trains a tiny ${kind} like cpu and like wasm${why}`,
    ignore: skip,
    fn: async () => {
      const cpu = await tinyTrainingLosses("cpu", kind, 4);
      const wasm = await tinyTrainingLosses("wasm", kind, 4);
      const native = await tinyTrainingLosses("native", kind, 4);
      assert.ok(cpu[3] < cpu[0], `cpu losses should fall: ${cpu}`);
      for (let i = 0; i < 4; i++) {
        for (const [other, name] of [[cpu, "cpu"], [wasm, "wasm"]] as const) {
          const rel = Math.abs(native[i] - other[i]) / Math.abs(other[i]);
          assert.ok(rel < 1e-3, `step ${i}: native ${native[i]} vs ${name} ${other[i]}`);
        }
      }
    },
  });
}

Deno.test({
  name: `useBackend("native", {threads}) sets and reports the threads${why}`,
  ignore: skip,
  fn: async () => {
    await useBackend("native", { threads: 1 });
    const info = backendInfo();
    assert.equal(info.name, "native");
    assert.equal(info.threads, 1);
    assert.ok(info.kernelOverrides.includes("Conv2D"));
    assert.ok(info.kernelOverrides.includes("BatchMatMul"));
    await useBackend("native", { threads: 2 });
    assert.equal(backendInfo().threads, 2);
    await assert.rejects(() => useBackend("native", { threads: 0 }), /threads: got 0/);
  },
});

Deno.test("--backend wasm stays pure: no native kernel is registered for wasm", async () => {
  await useBackend("wasm");
  const before = { ...nativeCalls };
  await runOn("wasm", [input([8, 8], 1), input([8, 8], 2)], (a, b) => [tf.matMul(a, b)]);
  assert.deepEqual(nativeCalls, before);
});

/** Runs `_test_native_fallback_probe.ts` in a child process with `ffi` permission or without. */
async function probe(allowFfi: boolean): Promise<{ stdout: string; stderr: string }> {
  const script = new URL("./_test_native_fallback_probe.ts", import.meta.url).pathname;
  const flags = ["--allow-read", "--allow-env"];
  if (allowFfi) flags.push(`--allow-ffi=${NATIVE_LIBRARY_PATHS.join(",")}`);
  const out = await new Deno.Command("deno", {
    args: ["run", ...flags, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `probe failed:\n${stderr.slice(-2000)}`);
  return { stdout: stdout.split("\n").at(-1)!, stderr };
}

Deno.test("without --allow-ffi the default is wasm, with one notice line, same results", async () => {
  const plain = await probe(false);
  const result = JSON.parse(plain.stdout);
  assert.equal(result.backend, "wasm");
  const notices = plain.stderr.split("\n").filter((l) => l.startsWith("note: native"));
  assert.equal(notices.length, 1, plain.stderr);
  assert.match(notices[0], /no --allow-ffi for .*libopenblas\.so\.0.*running on plain wasm/);
  if (skip) return;
  const ffi = await probe(true);
  const native = JSON.parse(ffi.stdout);
  assert.equal(native.backend, "native");
  assert.ok(!ffi.stderr.includes("note: native"), ffi.stderr);
  const rel = relativeError(new Float32Array(native.values), new Float32Array(result.values));
  assert.ok(rel < 1e-4, `native vs wasm in the child: relative error ${rel}`);
});
