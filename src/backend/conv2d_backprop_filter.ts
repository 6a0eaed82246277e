/**
 * `Conv2DBackpropFilter` for the wasm backend, which tf.js 4.22 does not ship (so no CNN could
 * train on `wasm`). It is composed from the backend's own fast kernels, im2col style:
 *
 * dW[kh, kw, :, :] = X_tap(kh, kw)ᵀ · dY, where X_tap is the padded input seen through tap
 * (kh, kw) with the conv's stride, flattened to [batch·outH·outW, inC].
 *
 * Plain matrix products are ~60x faster than transposed ones on wasm (see
 * bench/backend_matmul.ts), so the input is transposed once to [inC, batch, H, W]; each tap is
 * then a (strided) slice already laid out as the left operand of a plain product.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

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
  const { batchSize, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
  const pad = info.padInfo;
  const call = (name: string, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap = {}) =>
    callKernel(BACKEND, backend, name, ins, at);
  const temps: tf.TensorInfo[] = [];
  try {
    // Zero padding; padding beyond what any tap reads is harmless (taps slice what they need).
    let xp = x;
    if (pad.top > 0 || pad.bottom > 0 || pad.left > 0 || pad.right > 0) {
      xp = call("PadV2", { x }, {
        paddings: [[0, 0], [Math.max(pad.top, 0), Math.max(pad.bottom, 0)], [
          Math.max(pad.left, 0),
          Math.max(pad.right, 0),
        ], [0, 0]],
        constantValue: 0,
      });
      temps.push(xp);
    }
    const xt = call("Transpose", { x: xp }, { perm: [3, 0, 1, 2] });
    temps.push(xt);
    const n = batchSize * outHeight * outWidth;
    const dy2 = call("Reshape", { x: dy }, { shape: [n, outChannels] });
    temps.push(dy2);
    const [, , hP, wP] = xt.shape;
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const rowEnd = kh + (outHeight - 1) * sH + 1;
        const colEnd = kw + (outWidth - 1) * sW + 1;
        let tap: tf.TensorInfo;
        if (sH === 1 && sW === 1) {
          const whole = kh === 0 && kw === 0 && rowEnd === hP && colEnd === wP;
          tap = whole ? xt : call("Slice", { x: xt }, {
            begin: [0, 0, kh, kw],
            size: [inChannels, batchSize, outHeight, outWidth],
          });
        } else {
          tap = call("StridedSlice", { x: xt }, {
            begin: [0, 0, kh, kw],
            end: [inChannels, batchSize, rowEnd, colEnd],
            strides: [1, 1, sH, sW],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          });
        }
        if (tap !== xt) temps.push(tap);
        const a = call("Reshape", { x: tap }, { shape: [1, inChannels, n] });
        temps.push(a);
        const b = call("Reshape", { x: dy2 }, { shape: [1, n, outChannels] });
        temps.push(b);
        taps.push(call("BatchMatMul", { a, b }, { transposeA: false, transposeB: false }));
      }
    }
    temps.push(...taps);
    // The wasm Concat kernel takes its inputs as an array, not a name map.
    const stacked = taps.length === 1
      ? taps[0]
      : call("Concat", taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    if (stacked !== taps[0]) temps.push(stacked);
    return call("Reshape", { x: stacked }, { shape: filterShape });
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
