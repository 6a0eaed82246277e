/**
 * `MultiTensorUpdate` on tf.js' `webgpu` backend: WGSL programs recorded into the backend's
 * one command encoder, inside the one tf.js kernel call.
 *
 * Tensors are updated by chunks (`webgpu_chunks.ts`): per chunk, one dispatch for the norms
 * of its layer-wise tensors and one for every output of every tensor, each writing all its
 * outputs at once (`../webgpu_multi_output.ts`; tf.js' own programs have one output). A chunk
 * holds as many tensors as the device's storage buffers per stage allow
 * (`src/backend/webgpu_device.ts` asks for the adapter's limit): 6 on lavapipe's 32 (4 for
 * LAMB), so a W1 step (MLP 16 x 256, 50 tensors) takes 9 update dispatches; one under
 * WebGPU's default of 8, i.e. a dispatch per tensor and one more for a layer-wise tensor's
 * norms. Chunks of one and of many give the same bits (tested). The sums are float32 (WGSL
 * has no f64).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebgpuLike, WgslUniform } from "../webgpu.ts";
import { multiOutputSupported } from "../webgpu_multi_output.ts";
import { adamScales, directionFactor, paramCount, stepFactor, type UpdateAttrs } from "./attrs.ts";
import { chunkCapacity, type ChunkTensor, updateChunk } from "./webgpu_chunks.ts";

/**
 * The most tensors a chunk may hold (tests set 1 to update tensor by tensor on a device that
 * allows more, and compare).
 */
export const chunking: { maxTensors: number } = { maxTensors: Infinity };

/** The WGSL of `directionFactor` (attrs.ts) for `attrs.method`, in float32. */
export function factorSnippet(attrs: UpdateAttrs): string {
  const head = `fn layerFactor(wn : f32, un : f32) -> f32 {
    let eta = uniforms.eta;
    let zero = wn == 0.0 || un == 0.0;`;
  switch (attrs.method) {
    case "lalc":
      return `${head}
    let local = select(wn * uniforms.kappa / (un + uniforms.eps), eta, zero);
    return -min(max(local, uniforms.lo), uniforms.hi);
  }`;
    case "lars":
      return `${head}
    let ratio = select(wn * uniforms.kappa / (un + uniforms.eps), 1.0, zero);
    return ${attrs.trustClip ? "-min(ratio, eta)" : "-eta * ratio"};
  }`;
    case "lamb":
      return `${head}
    let raw = select(wn / un, 1.0, zero);
    return -eta * ${attrs.trustClip ? "min(raw, 1.0)" : "raw"};
  }`;
    default:
      return `fn layerFactor(wn : f32, un : f32) -> f32 { return uniforms.f; }`;
  }
}

/**
 * The values of the chunks' `CHUNK_UNIFORMS` before `count`: the decay (used only by the
 * tensors it applies to), an untrusted tensor's factor, then the method's values.
 */
function hyperUniforms(attrs: UpdateAttrs): WgslUniform[] {
  const eta = attrs.learningRate;
  const { scale, epsHat } = adamScales(attrs);
  const lamb = attrs.method === "lamb";
  return [
    attrs.method === "momentum" ? 0 : attrs.weightDecay,
    // An untrusted tensor's factor: 1 or -eta (momentum SGD), -eta (the others).
    directionFactor(attrs, false, NaN, NaN),
    attrs.momentum,
    stepFactor(attrs),
    eta,
    lamb ? 1 : attrs.trustCoefficient,
    lamb ? 0 : attrs.epsilon,
    attrs.minRatio * eta,
    attrs.maxRatio * eta,
    scale,
    epsHat,
    attrs.beta1,
    attrs.beta2,
    0, // noDecay
  ].map((v): WgslUniform => ({ type: "float32", data: [v] }));
}

/**
 * The kernel body: see `MULTI_TENSOR_UPDATE_KERNEL` in `src/kernel_names.ts`. Per tensor, the
 * layer-wise methods first reduce `[||w||^2, ||u||^2]` (LAMB's `u` from the new moments, made
 * in the reduction without being stored), then ONE dispatch writes every output: the new
 * buffer and the new param (momentum, LALC, LARS), both moments and the param (LAMB).
 */
export function multiTensorUpdateWebgpu(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const attrs = args.attrs as unknown as UpdateAttrs;
  const backend = args.backend as WebgpuLike & {
    device: GPUDevice;
    makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  };
  if (!multiOutputSupported(backend)) {
    throw new Error("MultiTensorUpdate on webgpu needs tf.js 4.22's WebGPUBackend internals");
  }
  const inputs = Object.keys(args.inputs).map((_, k) => args.inputs[k] as tf.TensorInfo);
  const p = paramCount(attrs, inputs.length);
  const method = attrs.method;
  const slotKinds = method === "lamb" ? 2 : 1;
  const inputsOf = (i: number) => [
    inputs[i],
    inputs[p + i],
    ...Array.from({ length: slotKinds }, (_, s) => inputs[(2 + s) * p + i]),
  ];
  const describe = (i: number): ChunkTensor => ({
    size: tf.util.sizeFromShape(inputs[i].shape),
    trusted: attrs.trustMask[i] && method !== "momentum",
    decayed: attrs.decayMask[i] && method !== "momentum",
  });
  // outputs[i]: tensor i's new param, then its new slots. An empty tensor binds nothing
  // (WebGPU refuses empty bindings): its outputs are empty, without a dispatch.
  const outputs: tf.TensorInfo[][] = Array.from(
    { length: p },
    (_, i) =>
      describe(i).size > 0 ? [] : Array.from(
        { length: 1 + slotKinds },
        () => backend.makeTensorInfo([...inputs[i].shape], "float32", new Float32Array(0)),
      ),
  );
  const capacity = Math.max(
    1,
    Math.min(chunking.maxTensors, chunkCapacity(backend.device.limits, method)),
  );
  const nonEmpty = [...Array(p).keys()].filter((i) => outputs[i].length === 0);
  const factor = factorSnippet(attrs);
  const uniforms = hyperUniforms(attrs);
  for (let c = 0; c < nonEmpty.length; c += capacity) {
    const members = nonEmpty.slice(c, c + capacity);
    const results = updateChunk(
      backend,
      attrs,
      members.map(describe),
      (k) => inputsOf(members[k]),
      factor,
      uniforms,
    );
    members.forEach((i, k) => outputs[i] = results[k]);
  }
  return [
    ...outputs.map((o) => o[0]),
    ...Array.from({ length: slotKinds }, (_, s) => outputs.map((o) => o[1 + s])).flat(),
  ];
}
