/**
 * Fast `Sum` and `Mean` over the leading axes on wasm, the reductions batch norm runs: a
 * moment or a gradient sum over [batch, height, width] of an NHWC activation, per channel.
 * tf.js 4.22's wasm kernels only reduce innermost axes, so they first transpose the whole
 * input (one slow pass: ~11 ms for W2's 128x28x28x32, where a ReLU of it takes ~3 ms).
 *
 * This one views x as a matrix [N, C] and adds its rows into C float64 accumulators in one
 * sequential loop over the wasm heap (as max_pool_grad.ts does): ~4 ms there, and closer to
 * the exact sum than a float32 one. (A [1, N] x [N, C] `BatchMatMul` with a row of ones was
 * tried first: ~29 ms, XNNPACK repacking x as the weights on every call.) Everything else
 * (other axes, non-float32, all axes at once) goes to tf.js' own kernel.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WasmHeapBackend } from "./wasm_heap.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

/** Kernels this file replaces. */
export type LeadingReduction = "Sum" | "Mean";

/**
 * The number of leading axes `axis` names when it names exactly axes 0..k-1 with
 * 0 < k < rank; otherwise 0 (not a leading reduction).
 */
export function leadingAxisCount(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => a < 0 ? a + rank : a))]
    .sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/**
 * Wraps tf.js' own wasm `Sum` or `Mean` (`original`) so that float32 reductions over leading
 * axes run as one loop over the heap (see the module doc).
 */
export function leadingReduceWasmConfig(original: tf.KernelConfig): tf.KernelConfig {
  const mean = original.kernelName === "Mean";
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs ?? {};
    const k = leadingAxisCount(attrs.axis as number | number[], x.shape.length);
    if (k === 0 || x.dtype !== "float32") return original.kernelFunc(args);
    const n = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
    const rest = x.shape.slice(k);
    const c = rest.reduce((p, q) => p * q, 1);
    if (n === 0 || c === 0) return original.kernelFunc(args);
    const backend = args.backend as WasmHeapBackend;
    const shape = attrs.keepDims === true ? [...Array(k).fill(1), ...rest] : rest;
    // Allocate first: growing the wasm memory detaches earlier views of the heap.
    const out = backend.makeOutput(shape, "float32");
    const values = backend.typedArrayFromHeap(x);
    const acc = new Float64Array(c);
    for (let i = 0; i < values.length; i += c) {
      for (let j = 0; j < c; j++) acc[j] += values[i + j];
    }
    const scale = mean ? 1 / n : 1;
    const result = backend.typedArrayFromHeap(out);
    for (let j = 0; j < c; j++) result[j] = acc[j] * scale;
    return out;
  };
  return { ...original, backendName: BACKEND, kernelFunc };
}
