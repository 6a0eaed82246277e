/**
 * `Sum` and `Mean` over leading axes (batch norm's per-channel reductions of NHWC and
 * [batch, features] activations) as one OpenBLAS `cblas_sgemv`, `y = Xᵀ·1` with x viewed as
 * an [N, C] matrix on the wasm heap: a multithreaded streaming pass where the wasm override
 * (reduce_leading.ts) runs a JavaScript loop on one core. Other reductions, and anything not
 * float32, go to `fallback` (the wasm kernel with this project's overrides), and so do inputs
 * under {@link NATIVE_REDUCE_MIN} elements: there OpenBLAS's thread hand-off costs more than
 * the loop (W1's [256, 256] batch norm statistics: 33 `Mean` calls took 91 ms per step on 2
 * busy cores through sgemv, where the JavaScript loop needs ~0.1 ms each).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { leadingAxisCount } from "./reduce_leading.ts";
import { heapView, nativeCalls, type NativeLibs } from "./native_ffi.ts";
import type { NativeHeapBackend } from "./native_matmul.ts";

const ROW_MAJOR = 101;
const TRANS = 112;

/** Inputs smaller than this (elements) are reduced by the wasm kernel. */
export const NATIVE_REDUCE_MIN = 1 << 18;

/** A vector of ones, grown as needed (JavaScript memory, passed to BLAS as a buffer). */
let ones = new Float32Array(0);

/** `Sum` or `Mean` (as `fallback`'s name says) for the `native` backend. */
export function nativeLeadingReduceConfig(
  libs: NativeLibs,
  fallback: tf.KernelConfig,
  backendName: string,
): tf.KernelConfig {
  const mean = fallback.kernelName === "Mean";
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs ?? {};
    const k = leadingAxisCount(attrs.axis as number | number[], x.shape.length);
    const n = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
    const rest = x.shape.slice(k);
    const c = rest.reduce((p, q) => p * q, 1);
    if (k === 0 || x.dtype !== "float32" || n * c < NATIVE_REDUCE_MIN) {
      nativeCalls.fallback++;
      return fallback.kernelFunc(args);
    }
    nativeCalls.native++;
    const backend = args.backend as NativeHeapBackend;
    const out = backend.makeOutput(
      attrs.keepDims === true ? [...Array(k).fill(1), ...rest] : rest,
      "float32",
    );
    if (ones.length < n) ones = new Float32Array(Math.max(n, 2 * ones.length)).fill(1);
    // After the allocation: it may have grown the heap.
    const memory = backend.wasm.asm.memory;
    libs.blas.cblas_sgemv(
      ROW_MAJOR,
      TRANS,
      n,
      c,
      mean ? 1 / n : 1,
      heapView(memory, backend.getMemoryOffset(x.dataId), 4 * n * c),
      c,
      ones,
      1,
      0,
      heapView(memory, backend.getMemoryOffset(out.dataId), 4 * c),
      1,
    );
    return out;
  };
  return { ...fallback, backendName, kernelFunc };
}
