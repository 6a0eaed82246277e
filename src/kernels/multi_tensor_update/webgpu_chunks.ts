/**
 * The webgpu optimizer update of many tensors per dispatch: a chunk of tensors takes one
 * dispatch for the norms of those with a layer-wise rate (a workgroup per tensor) and one for
 * every output of every tensor (a segment of threads per tensor).
 *
 * WGSL cannot index bindings at run time, so each program is generated for its chunk: every
 * tensor's bindings by name, its size, whether it has a layer-wise rate and whether it
 * decays baked into the code, and the thread (or workgroup) finds its tensor by a binary tree
 * of comparisons on constants. Each tensor's arithmetic is the same whatever its chunk (the
 * one-tensor programs this replaced: the same loop, tree and expressions), so chunks of one
 * and of many give the same bits (tested on lavapipe). A model's shapes do not change between
 * steps, so each chunk compiles once.
 *
 * How many tensors a chunk holds is set by the device's storage buffer limit
 * ({@link chunkCapacity}): 5 bindings a tensor (7 for LAMB) and one for the norms.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WgslUniform } from "../webgpu.ts";
import { type MultiOutputProgram, runMultiOutput } from "../webgpu_multi_output.ts";
import { workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
import type { UpdateAttrs } from "./attrs.ts";

/** Threads of a norms workgroup. */
export const REDUCE_THREADS = 256;

/** Threads per workgroup of the update, and the alignment of each tensor's segment. */
const SEGMENT = 64;

/**
 * Tensors per chunk at most, whatever the device allows: bounds the generated WGSL (about 15
 * lines a tensor) and its compile time.
 */
export const MAX_CHUNK_TENSORS = 64;

/** One tensor of a chunk, as its programs see it. */
export interface ChunkTensor {
  /** Elements (at least 1). */
  readonly size: number;
  /** Whether it has a layer-wise rate (LALC, LARS, LAMB and its trust mask). */
  readonly trusted: boolean;
  /** Whether weight decay applies to it. */
  readonly decayed: boolean;
}

/** Storage bindings a tensor takes in the update: its outputs, then its inputs. */
export function bindingsPerTensor(method: UpdateAttrs["method"]): number {
  return method === "lamb" ? 7 : 5;
}

/**
 * Tensors one chunk may hold on a device with these limits: the storage buffers of a shader
 * stage less the norms', over {@link bindingsPerTensor}, within the bindings of a bind group
 * (less the norms' and the uniforms') and {@link MAX_CHUNK_TENSORS}. 1 under WebGPU's
 * guaranteed 8 storage buffers (a LAMB tensor's 7 and the norms' take all 8): tensor by tensor.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { chunkCapacity } from "./webgpu_chunks.ts";
 * const lavapipe = { maxStorageBuffersPerShaderStage: 32, maxBindingsPerBindGroup: 1000 };
 * assertEquals(chunkCapacity(lavapipe, "lalc"), 6); // (32 - 1) / 5
 * assertEquals(chunkCapacity({ ...lavapipe, maxStorageBuffersPerShaderStage: 8 }, "lalc"), 1);
 * ```
 */
export function chunkCapacity(
  limits: { maxStorageBuffersPerShaderStage: number; maxBindingsPerBindGroup: number },
  method: UpdateAttrs["method"],
): number {
  const bindings = Math.min(
    limits.maxStorageBuffersPerShaderStage - 1,
    limits.maxBindingsPerBindGroup - 2,
  );
  return Math.min(MAX_CHUNK_TENSORS, Math.floor(bindings / bindingsPerTensor(method)));
}

/** The uniforms of both programs, in this order (`noDecay` is 0: see {@link lambdaOf}). */
export const CHUNK_UNIFORMS = "lambda : f32, f : f32, mu : f32, post : f32, eta : f32, " +
  "kappa : f32, eps : f32, lo : f32, hi : f32, scale : f32, epsHat : f32, b1 : f32, " +
  "b2 : f32, noDecay : f32, count : i32,";

/**
 * A tensor's decay coefficient: where decay does not apply, a uniform that is 0 (as the
 * unchunked programs had), not a literal 0, which could be folded away and change the sign of
 * a zero.
 */
const lambdaOf = (t: ChunkTensor) => t.decayed ? "uniforms.lambda" : "uniforms.noDecay";

/**
 * WGSL choosing among `leaves` by `value` against ascending `starts` (leaf `k` where
 * `starts[k] <= value < starts[k + 1]`): a balanced tree of comparisons.
 */
function branchTree(value: string, starts: readonly number[], leaves: readonly string[]): string {
  const tree = (lo: number, hi: number): string => {
    if (hi - lo === 1) return leaves[lo];
    const mid = (lo + hi) >> 1;
    return `if (${value} < ${starts[mid]}) {\n${tree(lo, mid)}\n} else {\n${tree(mid, hi)}\n}`;
  };
  return tree(0, leaves.length);
}

/** LAMB's new moments of tensor `k` at index `i`. */
function lambMoments(k: number, i: string): string {
  return `let m = uniforms.b1 * mom${k}[${i}] + (1.0 - uniforms.b1) * grad${k}[${i}];
      let v = uniforms.b2 * sec${k}[${i}] + (1.0 - uniforms.b2) * grad${k}[${i}] * grad${k}[${i}];`;
}

/** Tensor `k`'s update direction at index `i`, its param read as `w`. */
function direction(method: UpdateAttrs["method"], t: ChunkTensor, k: number, i: string, w: string) {
  const head = method === "lamb"
    ? "m * uniforms.scale / (sqrt(v) + uniforms.epsHat)"
    : `grad${k}[${i}]`;
  return `${head} + ${lambdaOf(t)} * ${w}`;
}

/** The binding names of tensor `k` that the norms read. */
function reducedNames(method: UpdateAttrs["method"], k: number): string[] {
  return method === "lamb"
    ? [`param${k}`, `grad${k}`, `mom${k}`, `sec${k}`]
    : [`param${k}`, `grad${k}`];
}

/**
 * The norms program of the chunk's trusted tensors (`trusted`, indices into `tensors`):
 * workgroup `w` writes `[||w||^2, ||u||^2]` of the `w`-th to `norms[2w]`, `norms[2w + 1]`.
 */
export function normsProgram(
  attrs: UpdateAttrs,
  tensors: readonly ChunkTensor[],
  trusted: readonly number[],
): MultiOutputProgram {
  const leaves = trusted.map((k) => {
    const t = tensors[k];
    return `for (var j = t; j < ${t.size}; j = j + ${REDUCE_THREADS}) {
      let wj = param${k}[j];
      ${attrs.method === "lamb" ? lambMoments(k, "j") : ""}
      let u = ${direction(attrs.method, t, k, "j", "wj")};
      sw = sw + wj * wj;
      su = su + u * u;
    }`;
  });
  return {
    key: `multiTensorNorms_${attrs.method}_${
      trusted.map((k) => `${k}:${tensors[k].size}${tensors[k].decayed ? "d" : ""}`).join(",")
    }`,
    outputs: ["norms"],
    inputs: trusted.flatMap((k) => reducedNames(attrs.method, k)),
    uniforms: CHUNK_UNIFORMS,
    groupThreads: REDUCE_THREADS,
    prelude: `var<workgroup> partW : array<f32, ${REDUCE_THREADS}>;
var<workgroup> partU : array<f32, ${REDUCE_THREADS}>;`,
    body: `var sw = 0.0;
  var su = 0.0;
  ${branchTree("w", trusted.map((_, r) => r), leaves)}
  partW[t] = sw;
  partU[t] = su;
  ${workgroupTreeReduce(["partW", "partU"], REDUCE_THREADS)}
  if (t == 0) {
    norms[2 * w] = partW[0];
    norms[2 * w + 1] = partU[0];
  }`,
  };
}

/** Where each tensor's thread segment starts, and the total threads. */
export function segments(tensors: readonly ChunkTensor[]): { starts: number[]; total: number } {
  const starts: number[] = [];
  let total = 0;
  for (const t of tensors) {
    starts.push(total);
    total += Math.ceil(t.size / SEGMENT) * SEGMENT;
  }
  return { starts, total };
}

/** The output binding names of tensor `k`, in the order the results come back. */
function outputNames(method: UpdateAttrs["method"], k: number): string[] {
  return method === "lamb"
    ? [`param_out${k}`, `mom_out${k}`, `sec_out${k}`]
    : [`param_out${k}`, `mom_out${k}`];
}

/** The input binding names of tensor `k`. */
function inputNames(method: UpdateAttrs["method"], k: number): string[] {
  return method === "lamb"
    ? [`param${k}`, `grad${k}`, `mom${k}`, `sec${k}`]
    : [`param${k}`, `grad${k}`, `mom${k}`];
}

/**
 * The update program of a chunk: thread `j` of tensor `k`'s segment writes every output of
 * `k` at `j - start`. `factor` is the WGSL of `layerFactor` (webgpu.ts' `factorSnippet`);
 * trusted tensors read their norms from `norms` (the {@link normsProgram}'s output).
 */
export function updateProgram(
  attrs: UpdateAttrs,
  tensors: readonly ChunkTensor[],
  factor: string,
): MultiOutputProgram {
  const { starts } = segments(tensors);
  let r = 0;
  const leaves = tensors.map((t, k) => {
    const factorOf = t.trusted
      ? `layerFactor(sqrt(norms[${2 * r}]), sqrt(norms[${2 * r + 1}]))`
      : "uniforms.f";
    if (t.trusted) r++;
    const a = `${factorOf} * (${direction(attrs.method, t, k, "i", `param${k}[i]`)})`;
    const write = attrs.method === "lamb"
      ? `${lambMoments(k, "i")}
      mom_out${k}[i] = m;
      sec_out${k}[i] = v;
      param_out${k}[i] = param${k}[i] + ${a};`
      : `let a = ${a};
      let next = a + uniforms.mu * mom${k}[i];
      mom_out${k}[i] = next;
      param_out${k}[i] = param${k}[i] + uniforms.post * (${
        attrs.nesterov ? "a + uniforms.mu * next" : "next"
      });`;
    return `let i = j - ${starts[k]};
    if (i < ${t.size}) {
      ${write}
    }`;
  });
  const anyTrusted = r > 0;
  return {
    key: `multiTensorUpdate_${attrs.method}_${attrs.trustClip}_${attrs.nesterov}_${
      tensors.map((t) => `${t.size}${t.trusted ? "t" : ""}${t.decayed ? "d" : ""}`).join(",")
    }`,
    outputs: tensors.flatMap((_, k) => outputNames(attrs.method, k)),
    inputs: [
      ...tensors.flatMap((_, k) => inputNames(attrs.method, k)),
      ...anyTrusted ? ["norms"] : [],
    ],
    uniforms: CHUNK_UNIFORMS,
    prelude: factor,
    body: branchTree("j", starts, leaves),
  };
}

/**
 * Updates the chunk `tensors` (their inputs in `inputsOf(k)` order: param, grad, then the
 * slots) in two dispatches at most; returns each tensor's outputs (param, then slots).
 * `uniforms` are {@link CHUNK_UNIFORMS}' values without `count`.
 */
export function updateChunk(
  backend: tf.KernelBackend,
  attrs: UpdateAttrs,
  tensors: readonly ChunkTensor[],
  inputsOf: (k: number) => tf.TensorInfo[],
  factor: string,
  uniforms: readonly WgslUniform[],
): tf.TensorInfo[][] {
  const trusted = tensors.flatMap((t, k) => t.trusted ? [k] : []);
  const reduced = reducedNames(attrs.method, 0).length;
  const norms = trusted.length === 0 ? [] : runMultiOutput(
    backend,
    normsProgram(attrs, tensors, trusted),
    trusted.flatMap((k) => inputsOf(k).slice(0, reduced)),
    [[2 * trusted.length]],
    trusted.length,
    [...uniforms, { type: "int32", data: [trusted.length] }],
  );
  try {
    const { total } = segments(tensors);
    const outputs = runMultiOutput(
      backend,
      updateProgram(attrs, tensors, factor),
      [...tensors.flatMap((_, k) => inputsOf(k)), ...norms],
      tensors.flatMap((_, k) => outputNames(attrs.method, k).map(() => [...inputsOf(k)[0].shape])),
      total,
      [...uniforms, { type: "int32", data: [total] }],
    );
    const per = outputNames(attrs.method, 0).length;
    return tensors.map((_, k) => outputs.slice(k * per, (k + 1) * per));
  } finally {
    for (const n of norms) backend.disposeData(n.dataId);
  }
}
