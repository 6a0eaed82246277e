/**
 * `Conv2DBackpropFilter` for the wasm backend, which tf.js 4.22 does not ship (so no CNN could
 * train on `wasm`). It is one call of the backend's own forward `Conv2D` (XNNPACK):
 *
 * dW[kh, kw, c, o] = Σ_{b,i,j} x[b, i·sH + kh − padTop, j·sW + kw − padLeft, c] · dy[b, i, j, o]
 *
 * is a convolution whose images are the input channels (x as [inC, H, W, batch]), whose
 * filter is the output gradient (dy as [outH, outW, batch, outC]) dilated by the forward
 * stride, and whose output is kH x kW pixels: [inC, kH, kW, outC]. XNNPACK runs it at the
 * speed of the forward conv; the two transposes in and the small one out are single memory
 * passes. (An earlier version sliced the input once per tap and ran one matmul per tap: 2-3x
 * slower, the 4-D slices being row-by-row JavaScript copies.)
 *
 * With few input channels that conv has few images and a 3x3 output, so XNNPACK's row tiles
 * are mostly idle: W2's first layer (128x28x28x1 -> 32) took ~23 ms against ~12 ms forward; this ~16 ms.
 * There the kernel builds the transposed patch matrix [kH·kW·inC, batch·outH·outW] in one
 * loop over the wasm heap (kH·kW·inC floats per output pixel) and runs
 * one plain `BatchMatMul` with dy as [batch·outH·outW, outC]; its [kH·kW·inC, outC] product
 * is dW in its own layout. See {@link IM2COL_MAX_CHANNELS} for the rule.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeapBackend } from "./wasm_heap.ts";
import { callKernel, freeAll } from "./_kernel_call.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

/**
 * Up to this many input channels the patch-matrix formulation is used, above it the conv
 * one. Measured on 128x28x28xC -> 32 filters, 3x3 same, fresh dy per call (wasm, one core,
 * ms, conv vs patches): C=1 22.7 vs 16.4, C=2 22.7 vs 22.3, C=4 27.8 vs 30.8, C=8 38.2 vs
 * 48.9; 14x14x32 25.8 vs 45.8. The product's cost is mostly XNNPACK packing dy (its "weights")
 * and the long summed dimension, so only C=1 wins. (Chunking the product over images was
 * 2-3x slower still: tf.js' wasm `Slice` copies row by row in JavaScript.)
 */
export const IM2COL_MAX_CHANNELS = 1;

let im2colMaxChannels = IM2COL_MAX_CHANNELS;

/**
 * Sets the channel count up to which the patch-matrix path runs (benchmarks compare the two
 * formulations with it: 0 = always the conv one, Infinity = always patches); returns the
 * previous value.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { IM2COL_MAX_CHANNELS, setIm2colMaxChannels } from "./conv2d_backprop_filter.ts";
 * await useBackend("wasm");
 * const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
 * const dFilter = tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, 1, "valid"));
 * const filterGrad = () => [...dFilter(tf.ones([2, 2, 1, 1])).dataSync()];
 * const before = setIm2colMaxChannels(0); // conv formulation only
 * assertEquals(before, IM2COL_MAX_CHANNELS);
 * assertEquals(filterGrad(), [4, 4, 4, 4]); // each tap sees four of x's ones
 * assertEquals(setIm2colMaxChannels(before), 0);
 * assertEquals(filterGrad(), [4, 4, 4, 4]); // the patch matrix (1 channel) gives the same
 * ```
 */
export function setIm2colMaxChannels(n: number): number {
  if (!(n >= 0)) throw new Error(`setIm2colMaxChannels: n = ${n}; allowed: a number >= 0`);
  const before = im2colMaxChannels;
  im2colMaxChannels = n;
  return before;
}

/**
 * The transposed patch matrix of `x` for the conv `info`, as a new tensor of shape
 * [1, kH·kW·inC, batch·outH·outW]: row (kh·kW + kw)·inC + c, column (b·outH + i)·outW + j
 * holds x[b, i·sH + kh − padTop, j·sW + kw − padLeft, c], or 0 in the padding.
 */
export function patchesTransposed(
  backend: WasmHeapBackend,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const pixels = batchSize * outHeight * outWidth;
  // Allocate first: growing the wasm memory detaches earlier views of the heap.
  const out = backend.makeOutput([1, filterHeight * filterWidth * c, pixels], "float32");
  const patches = backend.typedArrayFromHeap(out);
  const input = backend.typedArrayFromHeap(x);
  patches.fill(0);
  const rowStride = inWidth * c;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ch = 0; ch < c; ch++) {
        const row = ((kh * filterWidth + kw) * c + ch) * pixels;
        for (let b = 0; b < batchSize; b++) {
          for (let i = 0; i < outHeight; i++) {
            const h = i * strideHeight + kh - top;
            if (h < 0 || h >= inHeight) continue;
            const base = b * inHeight * rowStride + h * rowStride + ch;
            let at = row + (b * outHeight + i) * outWidth;
            for (let j = 0; j < outWidth; j++, at++) {
              const w = j * strideWidth + kw - left;
              if (w >= 0 && w < inWidth) patches[at] = input[base + w * c];
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Along one axis: the zero padding before the input (the forward conv's) and after it such
 * that the dilated gradient, slid over the input, yields exactly `k` positions; a negative
 * `after` means the last `-after` input rows are never read and are cropped.
 */
export function backpropFilterPadding(
  inSize: number,
  k: number,
  stride: number,
  padBefore: number,
  outSize: number,
): { before: number; after: number } {
  const effective = stride * (outSize - 1) + 1;
  return { before: padBefore, after: k + effective - 1 - inSize - padBefore };
}

/**
 * Kernel function: inputs `{x, dy}` (NHWC), attrs `{strides, pad, dataFormat, dimRoundingMode,
 * filterShape}` as tf.js' conv2d gradient passes them; returns dW `[kH, kW, inC, outC]`.
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const dataFormat = (attrs.dataFormat as string | undefined) ?? "NHWC";
  if (dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm: dataFormat "${dataFormat}"; allowed: NHWC`);
  }
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "same" | "valid" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const { batchSize, inChannels, inHeight, inWidth, outHeight, outWidth } = info;
  const call = (name: string, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap = {}) =>
    callKernel(BACKEND, backend, name, ins, at);
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => {
    temps.push(t);
    return t;
  };
  if (inChannels <= im2colMaxChannels) {
    try {
      const patches = keep(patchesTransposed(backend as WasmHeapBackend, x, info));
      const pixels = batchSize * outHeight * outWidth;
      const grad = keep(call("Reshape", { x: dy }, { shape: [1, pixels, info.outChannels] }));
      const dw = keep(call("BatchMatMul", { a: patches, b: grad }, {
        transposeA: false,
        transposeB: false,
      }));
      return call("Reshape", { x: dw }, { shape: filterShape });
    } finally {
      freeAll(backend, temps);
    }
  }
  const rows = backpropFilterPadding(
    inHeight,
    info.filterHeight,
    info.strideHeight,
    info.padInfo.top,
    outHeight,
  );
  const cols = backpropFilterPadding(
    inWidth,
    info.filterWidth,
    info.strideWidth,
    info.padInfo.left,
    outWidth,
  );
  try {
    let input = x;
    if (rows.after < 0 || cols.after < 0) {
      input = keep(call("Slice", { x }, {
        begin: [0, 0, 0, 0],
        size: [
          batchSize,
          inHeight + Math.min(rows.after, 0),
          inWidth + Math.min(cols.after, 0),
          inChannels,
        ],
      }));
    }
    const images = keep(call("Transpose", { x: input }, { perm: [3, 1, 2, 0] }));
    const filter = keep(call("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }));
    const dw = keep(call("Conv2D", { x: images, filter }, {
      strides: [1, 1],
      pad: [[0, 0], [rows.before, Math.max(rows.after, 0)], [
        cols.before,
        Math.max(cols.after, 0),
      ], [0, 0]],
      dataFormat: "NHWC",
      dilations: [info.strideHeight, info.strideWidth],
    }));
    return call("Transpose", { x: dw }, { perm: [1, 2, 0, 3] });
  } finally {
    freeAll(backend, temps);
  }
}

/** Kernel config to pass to `tf.registerKernel`. */
export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: BACKEND,
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
