import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { multiOutputSource, multiOutputSupported, uniformHeader } from "./webgpu_multi_output.ts";

Deno.test("multi-output WGSL: outputs first and read-write, inputs read-only, uniforms last", () => {
  const source = multiOutputSource({
    key: "k",
    outputs: ["a", "b"],
    inputs: ["x"],
    uniforms: "count : i32,",
    body: "a[j] = x[j]; b[j] = -x[j];",
  });
  assert.match(source, /@binding\(0\) var<storage, read_write> a : array<f32>;/);
  assert.match(source, /@binding\(1\) var<storage, read_write> b : array<f32>;/);
  assert.match(source, /@binding\(2\) var<storage, read> x : array<f32>;/);
  assert.match(source, /@binding\(3\) var<uniform> uniforms : Uniforms;/);
  // The head tf.js' recordAndSubmit writes for 3 flat tensors, then the program's own fields.
  assert.match(source, new RegExp(`struct Uniforms \\{ ${uniformHeader(3)} count : i32, \\}`));
  assert.equal(
    uniformHeader(1),
    "nanValue : f32, infinityValue : f32, shape0 : i32, stride0 : i32,",
  );
});

Deno.test("multi-output programs need tf.js 4.22's webgpu internals: cpu has none", async () => {
  await tf.setBackend("cpu");
  assert.equal(multiOutputSupported(tf.backend()), false);
  assert.equal(multiOutputSupported(null), false);
});
