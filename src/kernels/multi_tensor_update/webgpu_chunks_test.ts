import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../../backend/_test_webgpu_adapter.ts";
import { childJsonReport } from "../../_test_child.ts";
import type { WebgpuChunksReport } from "./_test_webgpu_chunks.ts";
import { NEUTRAL_HYPER } from "./attrs.ts";
import {
  chunkCapacity,
  MAX_CHUNK_TENSORS,
  normsProgram,
  segments,
  updateProgram,
} from "./webgpu_chunks.ts";

const LAVAPIPE = { maxStorageBuffersPerShaderStage: 32, maxBindingsPerBindGroup: 1000 };

Deno.test("chunk capacity: storage buffers less the norms' over 5 (7 for LAMB), capped", () => {
  assert.equal(chunkCapacity(LAVAPIPE, "momentum"), 6);
  assert.equal(chunkCapacity(LAVAPIPE, "lamb"), 4); // 31 / 7
  // tf.js' own device (WebGPU's default 8): one tensor a chunk, LAMB's included.
  assert.equal(chunkCapacity({ ...LAVAPIPE, maxStorageBuffersPerShaderStage: 8 }, "lars"), 1);
  assert.equal(chunkCapacity({ ...LAVAPIPE, maxStorageBuffersPerShaderStage: 8 }, "lamb"), 1);
  // An H200 through Deno 2.9.6 reports 524,288: the bind group's 1,000 bindings, then the cap.
  const h200 = { maxStorageBuffersPerShaderStage: 524288, maxBindingsPerBindGroup: 1000 };
  assert.equal(chunkCapacity(h200, "lalc"), MAX_CHUNK_TENSORS);
  assert.equal(chunkCapacity({ ...h200, maxBindingsPerBindGroup: 102 }, "lalc"), 20);
});

Deno.test("chunk segments start on 64-thread boundaries, one per tensor", () => {
  const t = (size: number) => ({ size, trusted: false, decayed: false });
  assert.deepEqual(segments([t(1), t(64), t(65), t(3)]), { starts: [0, 64, 128, 256], total: 320 });
});

Deno.test("chunk programs: every tensor's bindings in order, norms only where trusted", () => {
  const attrs = {
    ...NEUTRAL_HYPER,
    method: "lalc" as const,
    learningRate: 0.1,
    step: 0,
    decayMask: [true, false, true],
    trustMask: [true, false, true],
  };
  const tensors = [
    { size: 10, trusted: true, decayed: true },
    { size: 3, trusted: false, decayed: false },
    { size: 70, trusted: true, decayed: true },
  ];
  const update = updateProgram(attrs, tensors, "");
  assert.deepEqual(update.outputs, [
    "param_out0",
    "mom_out0",
    "param_out1",
    "mom_out1",
    "param_out2",
    "mom_out2",
  ]);
  assert.deepEqual(update.inputs.slice(-4), ["param2", "grad2", "mom2", "norms"]);
  // Tensor 2 is the second trusted one: its norms sit at 2 and 3.
  assert.match(
    update.body,
    /layerFactor\(sqrt\(norms\[2\]\), sqrt\(norms\[3\]\)\) \* \(grad2\[i\]/,
  );
  assert.match(update.body, /uniforms\.f \* \(grad1\[i\] \+ uniforms\.noDecay \* param1\[i\]\)/);
  const norms = normsProgram(attrs, tensors, [0, 2]);
  assert.deepEqual(norms.inputs, ["param0", "grad0", "param2", "grad2"]);
  assert.equal(norms.groupThreads, 256);
  // Different sizes or masks make different programs (the pipeline cache's key).
  const other = updateProgram(attrs, [tensors[0], tensors[1], { ...tensors[2], size: 71 }], "");
  assert.notEqual(other.key, update.key);
});

const adapter = await webgpuAdapterInChild();

Deno.test({
  name: `chunked webgpu update = chunks of one, to the bit, in fewer dispatches${
    adapterNote(adapter)
  }`,
  ignore: adapter === null,
  fn: async () => {
    const got = await childJsonReport<WebgpuChunksReport>(
      new URL("./_test_webgpu_chunks.ts", import.meta.url),
      ["--allow-read", "--allow-env"],
    );
    console.log(JSON.stringify(got));
    assert.ok(got.methods, "no results from the child");
    for (const [method, r] of Object.entries(got.methods)) {
      assert.equal(r.differing, 0, `${method}: ${r.differing} of ${r.elements} elements differ`);
      assert.equal(r.leaked, 0, `${method}: tensors leaked`);
      // 11 non-empty tensors (9 of them trusted, for the layer-wise methods).
      const chunks = Math.ceil(11 / r.capacity);
      const trustedChunks = method === "momentum" ? 0 : chunks;
      assert.ok(r.capacity >= 2, `${method}: ${r.capacity} tensors a chunk on this device`);
      assert.equal(r.dispatches.chunked, chunks + trustedChunks, method);
      assert.equal(r.dispatches.oneByOne, method === "momentum" ? 11 : 11 + 8, method);
    }
    // One chunk of 4.3 million elements: 67,188 workgroups, past the 65,535 of x.
    const y = got.yDimension!;
    assert.equal(y.differing, 0, `over y: ${y.differing} of ${y.elements} elements differ`);
    assert.equal(y.elements, 2 * 4_300_000);
    assert.deepEqual(y.dispatches, { chunked: 1, oneByOne: 2 });
    assert.equal(y.leaked, 0);
    // The WGSL of a 64-tensor chunk (an H200's; this device allows far fewer bindings) is
    // valid: 64 x 5 storage bindings for the update (7 for LAMB) and the norms', each
    // program past this device's limit, so only the shader compiler can check it here.
    for (const [method, full] of Object.entries(got.fullChunks!)) {
      assert.deepEqual(full.messages, [], method);
      const update = full.bindings.at(-1)!;
      assert.equal(update, 64 * (method === "lamb" ? 7 : 5) + (method === "momentum" ? 0 : 1));
    }
  },
});
