import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../backend/_test_webgpu_adapter.ts";
import type { WebgpuFusedReport } from "./_test_webgpu_fused.ts";
import { childJsonReport } from "../_test_child.ts";

const adapter = await webgpuAdapterInChild();

/** Runs _test_webgpu_fused.ts in a child process (WebGPU stays out of the test runner). */
const report = () =>
  childJsonReport<WebgpuFusedReport>(new URL("./_test_webgpu_fused.ts", import.meta.url), [
    "--allow-read",
    "--allow-env",
  ]);

Deno.test({
  name: `fused softmax cross-entropy and step norms on webgpu match the unfused path${
    adapterNote(adapter)
  }`,
  ignore: adapter === null,
  fn: async () => {
    const got = await report();
    console.log(JSON.stringify(got));
    assert.ok(got.crossEntropy && got.norms && got.kernels, "no results from the child");
    // Measured on lavapipe: loss 1.9e-7, dlogits 1.8e-6 relative to the unfused path; against
    // float64, 2.0e-7 and 3.3e-6 (float32 exp and log in WGSL).
    assert.ok(got.crossEntropy.loss < 1e-5, `loss ${got.crossEntropy.loss}`);
    assert.ok(got.crossEntropy.grad < 1e-5, `dlogits ${got.crossEntropy.grad}`);
    assert.ok(
      got.crossEntropy.exact.grad < 1e-5,
      `dlogits vs float64 ${got.crossEntropy.exact.grad}`,
    );
    // Measured: 1.1e-7 fused vs unfused, 7.7e-8 fused vs float64 (10 tensors: 2 programs of 7).
    assert.ok(got.norms.fusedVsUnfused < 1e-5, `norms ${got.norms.fusedVsUnfused}`);
    assert.ok(got.norms.fusedVsFloat64 < 1e-6, `norms vs float64 ${got.norms.fusedVsFloat64}`);
    assert.deepEqual(got.kernels.fused, {
      loss: ["SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"],
      norms: 2,
    });
    assert.ok(got.kernels.unfused.loss.length >= 20);
    assert.equal(got.leaked, 0, "tensors leaked on webgpu");
  },
});
