import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { adapterNote, webgpuAdapterInChild } from "../_test_webgpu_adapter.ts";
import { childJsonReport } from "../../_test_child.ts";
import type { WebgpuConvReport } from "./_test_webgpu_conv.ts";
import { splitsFor } from "./conv2d_backprop_filter.ts";
import { unsupportedReason } from "./conv_geometry.ts";
import { getWebgpuConv, setWebgpuConv, type WebgpuConvKernels } from "./switch.ts";
import { kPerSplit, TILE_K, tileBytes, tileFor } from "./tiled_gemm.ts";

const adapter = await webgpuAdapterInChild();

/** Runs _test_webgpu_conv.ts in a child process (WebGPU stays out of the test runner). */
const report = () =>
  childJsonReport<WebgpuConvReport>(new URL("./_test_webgpu_conv.ts", import.meta.url), [
    "--allow-read",
    "--allow-env",
  ]);

Deno.test({
  name: `the project's webgpu convolutions match tf.js' cpu backend${adapterNote(adapter)}`,
  ignore: adapter === null,
  fn: async () => {
    const got = await report();
    console.log(JSON.stringify(got));
    assert.ok(got.cases && got.training && got.programs, "no results from the child");
    assert.ok(got.cases.length >= 15);
    // Measured on lavapipe, worst over the 19 cases relative to max |cpu|: forward 3.2e-7,
    // input gradient 8.4e-7, filter gradient 7.3e-7 (tf.js' own webgpu kernels: 3.2e-7,
    // 4.0e-7, and 0.27 on the last case, 1.0e-6 on the others). Float32 sums of up to
    // 65,536 products.
    for (const c of got.cases) {
      for (const [kernel, error] of Object.entries(c.project)) {
        assert.ok(error < 4e-6, `${c.label}: ${kernel} ${error}`);
      }
    }
    // Not asserted (a tf.js bug that may be lavapipe's alone): where tf.js' kernels are off.
    const tfjsOff = got.cases.filter((c) => Object.values(c.tfjs).some((e) => e > 1e-4));
    for (const c of tfjsOff) {
      console.log(`tf.js' own webgpu kernels off: ${c.label} ${JSON.stringify(c.tfjs)}`);
    }
    // The split-K path (filter gradient with a second summing pass) was exercised.
    assert.ok(got.cases.some((c) => c.splits > 1), "no case split K");
    // Our pipelines were compiled, so the switch reached our programs.
    assert.deepEqual(got.programs, [
      "projectConvGemm_conv2d",
      "projectConvGemm_conv2dBackpropFilter",
      "projectConvGemm_conv2dBackpropInput",
      "projectConvSplitSum",
    ]);
    // Every tile shape ran (see tileFor).
    assert.deepEqual(got.tiles, ["128x32", "256x16", "64x64"]);
    // A 3-block CNN after 3 momentum steps, ours vs tf.js' kernels. Measured: loss equal,
    // parameters 5.1e-8 relative to the largest.
    assert.ok(got.training.loss < 1e-5, `loss ${JSON.stringify(got.training)}`);
    assert.ok(got.training.params < 1e-5, `params ${got.training.params}`);
    // Dilation 2 is tf.js' kernel even with the switch on. Measured 1.5e-7.
    assert.ok(got.dilated! < 4e-6, `dilated ${got.dilated}`);
    assert.equal(got.leaked, 0, "tensors leaked on webgpu");
  },
});

Deno.test("setWebgpuConv switches, returns the previous choice and refuses unknown names", () => {
  assert.equal(getWebgpuConv(), "project");
  assert.equal(setWebgpuConv("tfjs"), "project");
  assert.equal(getWebgpuConv(), "tfjs");
  assert.equal(setWebgpuConv("project"), "tfjs");
  assert.throws(() => setWebgpuConv("cuda" as WebgpuConvKernels), /"project" or "tfjs"/);
  assert.equal(getWebgpuConv(), "project");
});

Deno.test("the filter gradient splits a long K into whole chunks, and a short one not at all", () => {
  // The benchmark's 3x3 64 -> 64 conv at batch 256, 32 x 32: 9 tiles of 64 x 64.
  const m = 3 * 3 * 64;
  const k = 256 * 32 * 32;
  const splits = splitsFor(m, 64, k);
  assert.equal(splits, 57);
  const per = kPerSplit({ m, n: 64, k, splits });
  assert.equal(per % TILE_K, 0);
  assert.ok(per * splits >= k && per * (splits - 1) < k, "every split has work");
  assert.equal(splitsFor(m, 64, 300), 1);
  assert.equal(splitsFor(m, 64, 0), 1, "an empty batch still gets its one (zero) split");
});

Deno.test("the tile pads C least within the workgroup memory, 64 x 64 among equals", () => {
  const shape = (t: { threadsM: number; threadsN: number }) =>
    `${4 * t.threadsM}x${4 * t.threadsN}`;
  // Forward of the benchmark's conv (M = 262,144): 64 x 64, also for N = 17 (1 tile either way).
  assert.equal(shape(tileFor(262144, 64, 65536)), "64x64");
  assert.equal(shape(tileFor(262144, 32, 65536)), "128x32");
  assert.equal(shape(tileFor(262144, 16, 65536)), "256x16");
  // 256 x 16 needs 17 KiB of workgroup memory: not within WebGPU's default 16 KiB.
  assert.equal(tileBytes(tileFor(262144, 16, 65536)), 17408);
  assert.equal(shape(tileFor(262144, 16)), "128x32");
  // A ResNet stage-1 filter gradient, M = 3 * 3 * 16.
  assert.equal(shape(tileFor(144, 16, 65536)), "256x16");
});

Deno.test("what the project's convolutions leave to tf.js: NCHW, dilation, not float32, empty", () => {
  const info = (
    x: number[],
    dilation = 1,
    format: "channelsLast" | "channelsFirst" = "channelsLast",
  ) =>
    tf.backend_util.computeConv2DInfo(
      x as [number, number, number, number],
      [3, 3, 4, 8],
      1,
      dilation,
      "same",
      undefined,
      false,
      format,
    );
  assert.equal(unsupportedReason(info([2, 9, 9, 4]), ["float32", "float32"]), null);
  assert.equal(unsupportedReason(info([2, 4, 9, 9], 1, "channelsFirst"), ["float32"]), "NCHW");
  assert.equal(unsupportedReason(info([2, 9, 9, 4], 2), ["float32"]), "dilation > 1");
  assert.equal(unsupportedReason(info([2, 9, 9, 4]), ["float32", "int32"]), "not float32");
  assert.equal(unsupportedReason(info([0, 9, 9, 4]), ["float32"]), "an empty tensor");
});
