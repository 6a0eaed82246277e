/**
 * A fast `MaxPoolGrad` for the wasm backend. tf.js 4.22's own takes ~80 ms for W2's first
 * pool (2x2 over 128x28x28x32; this loop ~25 ms, a ReLU of the same input ~8 ms; see
 * bench/backend_matmul.ts), and every CNN step runs it once per pool.
 *
 * This one is a plain loop over the wasm heap, as tf.js' own wasm `Slice` is: for each output
 * pixel it finds, per channel, the first maximum of the input window (row-major order, padding
 * skipped; the `cpu` backend's rule) and adds the output gradient there.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeapBackend } from "./wasm_heap.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

/**
 * Kernel function: inputs `{dy, input, output}`, attrs `{filterSize, strides, pad,
 * dimRoundingMode}` as tf.js' maxPool gradient passes them; returns dx (the input's shape).
 */
export function maxPoolGradWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmHeapBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const input = inputs.input as tf.TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "same" | "valid" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Allocate first: growing the wasm memory detaches earlier views of the heap.
  const dx = backend.makeOutput([...input.shape], "float32");
  const out = backend.typedArrayFromHeap(dx);
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  out.fill(0);
  const rowStride = inWidth * c;
  const imageStride = inHeight * rowStride;
  let gi = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * imageStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++, gi += c) {
        const w0 = ow * strideWidth - left;
        // The window clipped to the input (padding is skipped).
        const hLo = Math.max(h0, 0);
        const hHi = Math.min(h0 + filterHeight, inHeight);
        const wLo = Math.max(w0, 0);
        const wHi = Math.min(w0 + filterWidth, inWidth);
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let where = -1;
          for (let h = hLo; h < hHi; h++) {
            for (let w = wLo, i = image + h * rowStride + wLo * c + ch; w < wHi; w++, i += c) {
              if (x[i] > best) {
                best = x[i];
                where = i;
              }
            }
          }
          if (where >= 0) out[where] += g[gi + ch];
        }
      }
    }
  }
  return dx;
}

/**
 * Wraps the wasm backend's own `MaxPoolGrad` (`original`, kept for non-float32 inputs) into
 * the loop above.
 */
export function maxPoolGradWasmConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const input = args.inputs.input as tf.TensorInfo;
    const dy = args.inputs.dy as tf.TensorInfo;
    if (input.dtype !== "float32" || dy.dtype !== "float32") return original.kernelFunc(args);
    return maxPoolGradWasm(args as Parameters<typeof maxPoolGradWasm>[0]);
  };
  return { ...original, backendName: BACKEND, kernelFunc };
}
