/**
 * `MultiTensorUpdate` on tf.js' `webgpu` backend: WGSL programs recorded into the backend's
 * one command encoder, inside the one tf.js kernel call.
 *
 * Where the device allows it (`src/backend/webgpu_device.ts` asks for the adapter's storage
 * buffer limit), tensors are updated by chunks (`webgpu_chunks.ts`): per chunk, one dispatch
 * for the norms of its layer-wise tensors and one for every output of every tensor. On an
 * adapter with 32 storage buffers per stage (lavapipe) a chunk holds 6 tensors (4 for LAMB); a
 * W1 step (MLP 16 x 256, 50 tensors) takes 9 update dispatches instead of 50.
 *
 * Otherwise (a device at WebGPU's default of 8), each tensor takes its own, and writes all
 * its outputs at once (`../webgpu_multi_output.ts`; tf.js' own programs have one output):
 *
 * - momentum: 1 dispatch (the new buffer and the new param);
 * - LALC, LARS: 1, plus 1 reduction (`[||w||^2, ||u||^2]` in one workgroup) on a tensor
 *   with the layer-wise rate, whose factor each thread then derives from the two sums;
 * - LAMB: 1 (both moments and the param), plus 1 reduction on a tensor with the trust
 *   ratio, which makes the new moments itself instead of reading them back.
 *
 * Both paths give the same bits (tested). The sums are float32 (WGSL has no f64).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  flatProgram,
  MAIN,
  runProgram,
  type WebgpuLike,
  type WgslProgram,
  type WgslUniform,
} from "../webgpu.ts";
import { multiOutputSupported, runMultiOutput } from "../webgpu_multi_output.ts";
import { adamScales, directionFactor, paramCount, stepFactor, type UpdateAttrs } from "./attrs.ts";
import { chunkCapacity, type ChunkTensor, REDUCE_THREADS, updateChunk } from "./webgpu_chunks.ts";
import { workgroupTreeSum } from "../wgsl_tree_sum.ts";

/**
 * The most tensors a chunk may hold (tests set 1 to run the one-tensor path on a device that
 * allows chunks, and compare).
 */
export const chunking: { maxTensors: number } = { maxTensors: Infinity };

/** The uniforms of every program here, in this order. */
const UNIFORMS = "lambda : f32, f : f32, mu : f32, post : f32, eta : f32, kappa : f32, " +
  "eps : f32, lo : f32, hi : f32, scale : f32, epsHat : f32, b1 : f32, b2 : f32, count : i32,";

/** The WGSL of `directionFactor` (attrs.ts) for `attrs.method`, in float32. */
function factorSnippet(attrs: UpdateAttrs): string {
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

/** The factor of this thread's tensor: from the sums when `trusted`, else `uniforms.f`. */
const factorOf = (trusted: boolean) =>
  trusted ? "layerFactor(sqrt(norms[0]), sqrt(norms[1]))" : "uniforms.f";

/**
 * `[sum w^2, sum u^2]` of one tensor, in one workgroup; `u` is given as WGSL over `j`, after
 * the statements `before` (which may define what it reads).
 */
function reduceProgram(
  key: string,
  names: string[],
  direction: string,
  before: string,
): WgslProgram {
  const body = `
  var<workgroup> partW : array<f32, ${REDUCE_THREADS}>;
  var<workgroup> partU : array<f32, ${REDUCE_THREADS}>;
  ${MAIN} {
    let t = i32(localId.x);
    let n = uniforms.count; // not arrayLength: a pooled buffer may be larger
    var sw = 0.0;
    var su = 0.0;
    for (var j = t; j < n; j = j + ${REDUCE_THREADS}) {
      let wj = param[j];
      ${before}
      let u = ${direction};
      sw = sw + wj * wj;
      su = su + u * u;
    }
    partW[t] = sw;
    partU[t] = su;
    ${workgroupTreeSum(["partW", "partU"], REDUCE_THREADS)}
    if (t == 0) {
      setOutputAtIndex(0, partW[0]);
      setOutputAtIndex(1, partU[0]);
    }
  }`;
  return flatProgram(key, [2], names, body, {
    threads: REDUCE_THREADS,
    workgroup: REDUCE_THREADS,
    uniforms: UNIFORMS,
  });
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
  const backend = args.backend as WebgpuLike;
  if (!multiOutputSupported(backend)) {
    throw new Error("MultiTensorUpdate on webgpu needs tf.js 4.22's WebGPUBackend internals");
  }
  const inputs = Object.keys(args.inputs).map((_, k) => args.inputs[k] as tf.TensorInfo);
  const p = paramCount(attrs, inputs.length);
  const method = attrs.method;
  const factor = factorSnippet(attrs);
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
  // outputs[i]: tensor i's new param, then its new slots.
  const outputs: tf.TensorInfo[][] = new Array(p);
  const device = (backend as unknown as { device: GPUDevice }).device;
  const capacity = Math.min(chunking.maxTensors, chunkCapacity(device.limits, method));
  // Empty tensors bind nothing (WebGPU refuses empty bindings): the one-tensor path makes
  // their empty outputs without a dispatch.
  const chunked = capacity < 2 ? [] : [...Array(p).keys()].filter((i) => describe(i).size > 0);
  for (let c = 0; c < chunked.length; c += capacity) {
    const members = chunked.slice(c, c + capacity);
    const results = updateChunk(
      backend,
      attrs,
      members.map(describe),
      (k) => inputsOf(members[k]),
      factor,
      hyperUniforms(attrs, NaN, [directionFactor(attrs, false, NaN, NaN)]),
    );
    members.forEach((i, k) => outputs[i] = results[k]);
  }
  for (let i = 0; i < p; i++) {
    if (outputs[i] === undefined) {
      outputs[i] = updateOne(backend, attrs, describe(i), inputsOf(i), factor);
    }
  }
  return [
    ...outputs.map((o) => o[0]),
    ...Array.from({ length: slotKinds }, (_, s) => outputs.map((o) => o[1 + s])).flat(),
  ];
}

/**
 * The uniforms of {@link UNIFORMS} (and the chunks' `CHUNK_UNIFORMS`) before `count`:
 * `lambda` given (the tensor's, or the method's decay for a chunk), `f` (an untrusted
 * tensor's factor), then the method's values; `extra` after them.
 */
function hyperUniforms(attrs: UpdateAttrs, lambda: number, f: number[]): WgslUniform[] {
  const eta = attrs.learningRate;
  const { scale, epsHat } = adamScales(attrs);
  const lamb = attrs.method === "lamb";
  return [
    attrs.method === "momentum" ? 0 : Number.isNaN(lambda) ? attrs.weightDecay : lambda,
    ...f,
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
    // The chunks' noDecay (0); the one-tensor program has no such field and drops it.
    0,
  ].map((v): WgslUniform => ({ type: "float32", data: [v] }));
}

/** Tensor by tensor: the one-tensor programs (one dispatch, and one for the norms). */
function updateOne(
  backend: WebgpuLike,
  attrs: UpdateAttrs,
  tensor: ChunkTensor,
  ins: tf.TensorInfo[],
  factor: string,
): tf.TensorInfo[] {
  const method = attrs.method;
  const { trusted } = tensor;
  const lambda = tensor.decayed ? attrs.weightDecay : 0;
  const uniforms = hyperUniforms(attrs, lambda, [
    // An untrusted tensor's factor: 1 or -eta (momentum SGD), -eta (the others).
    trusted ? NaN : directionFactor(attrs, false, NaN, NaN),
  ]).slice(0, -1);
  uniforms.push({ type: "int32", data: [tensor.size] });
  const shape = [...ins[0].shape];
  const tag = `multiTensorUpdate_${method}_${attrs.trustClip}_${attrs.nesterov}_${trusted}`;
  const names = method === "lamb" ? ["param", "grad", "mom", "sec"] : ["param", "grad", "mom"];
  ins = [...ins];
  // LAMB's new moments and direction as WGSL over j (the reduction's and the update's).
  const lambMoments = `let m = uniforms.b1 * mom[j] + (1.0 - uniforms.b1) * grad[j];
      let v = uniforms.b2 * sec[j] + (1.0 - uniforms.b2) * grad[j] * grad[j];`;
  const direction = method === "lamb"
    ? "m * uniforms.scale / (sqrt(v) + uniforms.epsHat) + uniforms.lambda * param[j]"
    : "grad[j] + uniforms.lambda * param[j]";
  let sums: tf.TensorInfo | null = null;
  // An empty tensor binds nothing (WebGPU refuses empty bindings): no norms, and
  // runMultiOutput makes its empty outputs without a dispatch.
  if (trusted && tensor.size > 0) {
    // Each reduction binds only what it reads: tf.js' automatic layout drops the rest.
    const [reduced, before] = method === "lamb" ? [4, lambMoments] : [2, ""];
    sums = runProgram(
      backend,
      reduceProgram(
        `${tag}_norms`,
        names.slice(0, reduced),
        direction.replaceAll("param[j]", "wj"),
        before,
      ),
      ins.slice(0, reduced),
      uniforms,
    );
    ins.push(sums), names.push("norms");
  }
  const a = `${factorOf(trusted)} * (${direction})`;
  const body = method === "lamb"
    ? `${lambMoments}
      mom_out[j] = m;
      sec_out[j] = v;
      param_out[j] = param[j] + ${a};`
    : `let a = ${a};
      let next = a + uniforms.mu * mom[j];
      mom_out[j] = next;
      param_out[j] = param[j] + uniforms.post * (${
      attrs.nesterov ? "a + uniforms.mu * next" : "next"
    });`;
  const outputs = method === "lamb"
    ? ["param_out", "mom_out", "sec_out"]
    : ["param_out", "mom_out"];
  try {
    return runMultiOutput(
      backend,
      { key: `${tag}_update`, outputs, inputs: names, uniforms: UNIFORMS, prelude: factor, body },
      ins,
      outputs.map(() => shape),
      tensor.size,
      uniforms,
    );
  } finally {
    if (sums !== null) backend.disposeData(sums.dataId);
  }
}
