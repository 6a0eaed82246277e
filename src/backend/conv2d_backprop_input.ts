/**
 * A fast `Conv2DBackpropInput` for the wasm backend. tf.js 4.22's own kernel is a scalar loop
 * that takes ~190 ms for W2's 128x14x14x32 3x3x32 layer, where the forward `Conv2D` (XNNPACK)
 * of the same arithmetic takes ~20 ms (bench/backend_matmul.ts). Every CNN backward pass runs
 * it once per conv layer but the first.
 *
 * The input gradient of a convolution is itself a convolution, so this kernel hands the work
 * to the backend's own forward `Conv2D`:
 *
 * dx[j] = Σ_k dy_s[j + padTop − k] · W[k], with dy_s the output gradient with (stride − 1)
 * zeros between its elements. Substituting m = kH − 1 − k turns it into a stride-1
 * correlation of dy_s, padded by kH − 1 − padTop in front, with the filter flipped in both
 * spatial axes and its channel axes swapped.
 *
 * For stride 1 that is one `Conv2D` (plus a flip of the small filter). For stride s > 1 the
 * zero-filled gradient makes the conv do s² times the useful work; still far faster than the
 * original kernel, and only the ResNet's few downsampling layers have stride 2.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";

/** The backend this kernel is written for. */
const BACKEND = "wasm";

/** What the kernel needs of the forward convolution, per spatial axis. */
interface Axis {
  /** Input size (of dx). */
  readonly inSize: number;
  /** Filter size. */
  readonly k: number;
  /** Stride. */
  readonly stride: number;
  /** Zero padding before the input in the forward conv. */
  readonly padBefore: number;
}

/**
 * Along one axis: how much of the zero-filled gradient (length `outSize · stride`) to crop in
 * front and at the back, and how much zero padding the stride-1 conv then adds on each side.
 * The conv reads positions 0 .. inSize + k − 2 of a sequence that starts k − 1 − padBefore
 * elements before the gradient; anything the conv never reads is cropped.
 */
export function backpropInputPadding(axis: Axis, outSize: number): {
  cropBefore: number;
  cropAfter: number;
  padBefore: number;
  padAfter: number;
} {
  const lead = axis.k - 1 - axis.padBefore;
  const trail = axis.inSize + axis.k - 1 - lead - outSize * axis.stride;
  return {
    cropBefore: Math.max(-lead, 0),
    cropAfter: Math.max(-trail, 0),
    padBefore: Math.max(lead, 0),
    padAfter: Math.max(trail, 0),
  };
}

/**
 * Wraps the wasm backend's own `Conv2DBackpropInput` (`original`, the fallback for NCHW) into
 * the conv-based kernel described in the module doc.
 */
export function conv2dBackpropInputWasmConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const dy = inputs.dy as tf.TensorInfo;
    const filter = inputs.filter as tf.TensorInfo;
    const dataFormat = (attrs?.dataFormat as string | undefined) ?? "NHWC";
    if (dataFormat !== "NHWC") return original.kernelFunc(args);
    const inputShape = attrs!.inputShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      attrs!.strides as number | [number, number],
      1,
      attrs!.pad as "same" | "valid" | number,
      attrs!.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    );
    const { batchSize, outHeight, outWidth, outChannels, strideHeight: sH, strideWidth: sW } = info;
    const rows = backpropInputPadding({
      inSize: info.inHeight,
      k: info.filterHeight,
      stride: sH,
      padBefore: info.padInfo.top,
    }, outHeight);
    const cols = backpropInputPadding({
      inSize: info.inWidth,
      k: info.filterWidth,
      stride: sW,
      padBefore: info.padInfo.left,
    }, outWidth);
    const call = (name: string, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap = {}) =>
      callKernel(BACKEND, backend, name, ins, at);
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => {
      temps.push(t);
      return t;
    };
    try {
      // W[kh, kw, c, o] -> W'[kH-1-kh, kW-1-kw, o, c]
      const flipped = keep(call("Reverse", { x: filter }, { dims: [0, 1] }));
      const w = keep(call("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] }));
      let g = dy;
      if (sH > 1 || sW > 1) {
        // Interleave zeros: [B, oH, 1, oW, 1, O] padded to [B, oH, sH, oW, sW, O].
        const six = keep(call("Reshape", { x: dy }, {
          shape: [batchSize, outHeight, 1, outWidth, 1, outChannels],
        }));
        const spread = keep(call("PadV2", { x: six }, {
          paddings: [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]],
          constantValue: 0,
        }));
        g = keep(call("Reshape", { x: spread }, {
          shape: [batchSize, outHeight * sH, outWidth * sW, outChannels],
        }));
      }
      if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter > 0) {
        const [, h, wd] = g.shape;
        g = keep(call("Slice", { x: g }, {
          begin: [0, rows.cropBefore, cols.cropBefore, 0],
          size: [
            batchSize,
            h - rows.cropBefore - rows.cropAfter,
            wd - cols.cropBefore - cols.cropAfter,
            outChannels,
          ],
        }));
      }
      return call("Conv2D", { x: g, filter: w }, {
        strides: [1, 1],
        pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
        dataFormat: "NHWC",
        dilations: [1, 1],
      });
    } finally {
      freeAll(backend, temps);
    }
  };
  // Keep the original setupFunc: it binds the C++ entry point the NCHW fallback calls.
  return { ...original, kernelFunc };
}
