/**
 * A fast `FusedBatchNorm` (`tf.batchNorm`) for the wasm backend: per-channel mean, variance,
 * offset and scale applied to a float32 tensor whose last axis is the channel axis (NHWC
 * activations, [batch, features] ones). The models' batch norm runs it three times per layer
 * and step (forward, and twice in its closed-form gradient), on full-size activations.
 *
 * tf.js 4.22's wasm kernel takes a square root, a division and four index wraps per element
 * (~3.2 ns per element: ~80 ms of a W2 step). This one folds the channel constants first,
 * `a = scale / sqrt(variance + eps)`, into a small table on the heap, then maps
 * `out = (x - mean) · a + offset` with a 4-lane SIMD wasm loop (_channel_affine_simd.ts):
 * ~11 ms per W2 step (a JavaScript loop over the heap was ~54 ms: ~1.8 ns per element). The
 * last `size mod 4` elements, or all of them where wasm SIMD is missing, take the same map in
 * JavaScript. Anything else (non-float32 tensors, parameters that are not one value per
 * channel) goes to tf.js' own kernel.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WasmHeapBackend } from "./wasm_heap.ts";
import { channelAffineFor } from "./_channel_affine_simd.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

const size = (t: tf.TensorInfo) => t.shape.reduce((p, q) => p * q, 1);

/**
 * Whether the loop handles these inputs: all float32, a non-empty `x`, and `mean`, `variance`
 * and the optional `offset` and `scale` holding one value per channel (x's last axis), so that
 * tf.js' broadcasting rule (parameter index = element index mod parameter size) is the channel.
 */
export function perChannelBatchNorm(
  x: tf.TensorInfo,
  params: (tf.TensorInfo | undefined)[],
): boolean {
  if (x.shape.length === 0 || x.dtype !== "float32") return false;
  const c = x.shape[x.shape.length - 1];
  if (c === 0 || size(x) === 0) return false;
  return params.every((p) => p === undefined || (p.dtype === "float32" && size(p) === c));
}

/** One channel-constant table row's length: a multiple of both `c` and the 4 SIMD lanes. */
function tableRow(c: number): number {
  return c % 4 === 0 ? c : c % 2 === 0 ? 2 * c : 4 * c;
}

/**
 * Wraps tf.js' own wasm `FusedBatchNorm` (`original`) so that per-channel float32 batch norm
 * runs as one loop over the heap (see the module doc).
 */
export function fusedBatchNormWasmConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    if (!perChannelBatchNorm(x!, [mean, variance, offset ?? undefined, scale ?? undefined])) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as WasmHeapBackend;
    const eps = (args.attrs?.varianceEpsilon as number | undefined) ?? 0.001;
    const c = x!.shape[x!.shape.length - 1];
    const l = tableRow(c);
    // Allocate first: growing the wasm memory detaches earlier views of the heap.
    const out = backend.makeOutput([...x!.shape], "float32");
    const table = backend.makeOutput([3 * l], "float32");
    try {
      // Rows m, a = scale / sqrt(variance + eps), o, each repeated to l values.
      const t = backend.typedArrayFromHeap(table);
      const m = backend.typedArrayFromHeap(mean!);
      const v = backend.typedArrayFromHeap(variance!);
      const s = scale == null ? undefined : backend.typedArrayFromHeap(scale);
      const o = offset == null ? undefined : backend.typedArrayFromHeap(offset);
      for (let k = 0; k < l; k++) {
        const j = k % c;
        t[k] = m[j];
        t[l + k] = (s === undefined ? 1 : s[j]) / Math.sqrt(v[j] + eps);
        t[2 * l + k] = o === undefined ? 0 : o[j];
      }
      const n = size(x!);
      const simd = channelAffineFor(backend.wasm.asm.memory);
      const head = simd === null ? 0 : n - (n % 4);
      if (head > 0) {
        const at = (info: tf.TensorInfo) => backend.getMemoryOffset(info.dataId);
        simd!(at(x!), at(out), head, at(table), l);
      }
      // What SIMD did not do (everything, without SIMD): the same map in JavaScript.
      const values = backend.typedArrayFromHeap(x!);
      const result = backend.typedArrayFromHeap(out);
      for (let i = head; i < n; i++) {
        const k = i % l;
        result[i] = (values[i] - t[k]) * t[l + k] + t[2 * l + k];
      }
    } finally {
      backend.disposeData(table.dataId);
    }
    return out;
  };
  return { ...original, backendName: BACKEND, kernelFunc };
}
