/**
 * The forward `Conv2D` (NHWC) as an implicit GEMM: C = A B with M = batch * outH * outW
 * output pixels, N = outChannels, K = filterH * filterW * inChannels, where A's row m is
 * output pixel m's receptive field, gathered from `x` as the tiles are loaded (zero where
 * the window hangs over the padding), and B is the filter as it lies in memory
 * (`[fH, fW, inC, outC]` is row-major `[K, N]`). K runs tap by tap, channels innermost, so
 * 4 consecutive k are 4 consecutive channels of one input pixel: one vec4 load when
 * inChannels % 4 == 0.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { denseB } from "./conv_geometry.ts";
import { runConvGemm } from "./run_conv_gemm.ts";
import type { GemmOperands, GemmSize } from "./tiled_gemm.ts";

function operands(vecX: boolean, vecW: boolean): GemmOperands {
  const read = vecX
    ? `return x[index / 4];`
    : `return vec4<f32>(xAt(r, k), xAt(r, k + 1), xAt(r, k + 2), xAt(r, k + 3));`;
  return {
    aAlong: "k",
    bAlong: "n",
    wgsl: `
  struct RowA { inside : bool, b : i32, top : i32, left : i32 };
  fn rowA(m : i32) -> RowA {
    let ow = m % uniforms.outWidth;
    let rest = m / uniforms.outWidth;
    let oh = rest % uniforms.outHeight;
    return RowA(m < uniforms.dimM, rest / uniforms.outHeight,
                oh * uniforms.strideHeight - uniforms.padTop,
                ow * uniforms.strideWidth - uniforms.padLeft);
  }
  // x's flat index of A[m][k], or -1 where the window is over the padding or past A.
  fn xIndex(r : RowA, k : i32) -> i32 {
    if (!r.inside || k >= uniforms.dimK) { return -1; }
    let tap = k / uniforms.inChannels;
    let ih = r.top + tap / uniforms.filterWidth;
    let iw = r.left + tap % uniforms.filterWidth;
    if (ih < 0 || ih >= uniforms.inHeight || iw < 0 || iw >= uniforms.inWidth) { return -1; }
    return ((r.b * uniforms.inHeight + ih) * uniforms.inWidth + iw) * uniforms.inChannels
      + k % uniforms.inChannels;
  }
  ${
      vecX ? "" : `fn xAt(r : RowA, k : i32) -> f32 {
    let index = xIndex(r, k);
    if (index < 0) { return 0.0; }
    return x[index];
  }`
    }
  fn loadA(r : RowA, m : i32, k : i32) -> vec4<f32> {
    ${vecX ? "let index = xIndex(r, k);\n    if (index < 0) { return vec4<f32>(0.0); }" : ""}
    ${read}
  }
  ${denseB("w", vecW)}`,
  };
}

/** `x` [b, h, w, inC] convolved with `filter` [fH, fW, inC, outC] as `info` says. */
export function conv2dForward(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const size: GemmSize = {
    m: info.batchSize * info.outHeight * info.outWidth,
    n: info.outChannels,
    k: info.filterHeight * info.filterWidth * info.inChannels,
    splits: 1,
  };
  const vecX = info.inChannels % 4 === 0;
  const vecW = info.outChannels % 4 === 0;
  const out = runConvGemm(backend, info, {
    key: `conv2d_${vecX}_${vecW}`,
    inputs: [{ name: "x", tensor: x, vec4: vecX }, { name: "w", tensor: filter, vec4: vecW }],
    operands: operands(vecX, vecW),
    size,
  });
  return { dataId: out.dataId, shape: info.outShape, dtype: "float32" };
}
