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
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

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
  const call = (name: string, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap = {}) =>
    callKernel(BACKEND, backend, name, ins, at);
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => {
    temps.push(t);
    return t;
  };
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
