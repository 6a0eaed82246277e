/**
 * `Conv2DBackpropInput` (NHWC) as an implicit GEMM over the transposed, flipped filter:
 * dx[b, ih, iw, ci] = sum over taps (kh, kw) and outC of dy[b, oh, ow, co] * w[kh, kw, ci, co]
 * where ih = oh * strideH - padTop + kh. M = batch * inH * inW input pixels, N = inChannels,
 * K = fH * fW * outChannels (tap-major, co innermost). A's row m gathers, tap by tap, the dy
 * pixel that tap reaches from input pixel m (zero where (ih + padTop - kh) is not a multiple
 * of the stride or falls outside dy); B[k][n] = w[tap, n, co], read along k (co is w's
 * innermost axis) so its vec4 loads are contiguous when outChannels % 4 == 0.
 *
 * With stride s, only 1 in s^2 taps is live for a given pixel, so the GEMM multiplies that
 * many zeros (as tf.js' own MM version does); the benchmark's 3x3 gradients are stride 1.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { runConvGemm } from "./run_conv_gemm.ts";
import type { GemmOperands, GemmSize } from "./tiled_gemm.ts";

function operands(vec: boolean): GemmOperands {
  const readA = vec
    ? `let index = dyIndex(r, k);
    if (index < 0) { return vec4<f32>(0.0); }
    return dy[index / 4];`
    : `var v = vec4<f32>(0.0);
    for (var j = 0; j < 4; j++) {
      let index = dyIndex(r, k + j);
      if (index >= 0) { v[j] = dy[index]; }
    }
    return v;`;
  const readB = vec
    ? `if (k >= uniforms.dimK || n >= uniforms.dimN) { return vec4<f32>(0.0); }
    return w[wIndex(k, n) / 4];`
    : `var v = vec4<f32>(0.0);
    if (n >= uniforms.dimN) { return v; }
    for (var j = 0; j < 4; j++) {
      if (k + j < uniforms.dimK) { v[j] = w[wIndex(k + j, n)]; }
    }
    return v;`;
  return {
    aAlong: "k",
    bAlong: "k",
    wgsl: `
  struct RowA { inside : bool, b : i32, top : i32, left : i32 };
  fn rowA(m : i32) -> RowA {
    let iw = m % uniforms.inWidth;
    let rest = m / uniforms.inWidth;
    let ih = rest % uniforms.inHeight;
    return RowA(m < uniforms.dimM, rest / uniforms.inHeight, ih + uniforms.padTop,
                iw + uniforms.padLeft);
  }
  // dy's flat index of A[m][k], or -1 where no output pixel reaches m through this tap.
  fn dyIndex(r : RowA, k : i32) -> i32 {
    if (!r.inside || k >= uniforms.dimK) { return -1; }
    let tap = k / uniforms.outChannels;
    let ohs = r.top - tap / uniforms.filterWidth;
    let ows = r.left - tap % uniforms.filterWidth;
    if (ohs < 0 || ows < 0) { return -1; }
    let oh = ohs / uniforms.strideHeight;
    let ow = ows / uniforms.strideWidth;
    if (oh * uniforms.strideHeight != ohs || ow * uniforms.strideWidth != ows ||
        oh >= uniforms.outHeight || ow >= uniforms.outWidth) { return -1; }
    return ((r.b * uniforms.outHeight + oh) * uniforms.outWidth + ow) * uniforms.outChannels
      + k % uniforms.outChannels;
  }
  fn loadA(r : RowA, m : i32, k : i32) -> vec4<f32> {
    ${readA}
  }
  struct ColB { n : i32 };
  fn colB(n : i32) -> ColB { return ColB(n); }
  // w[tap, n, co] for k = tap * outChannels + co.
  fn wIndex(k : i32, n : i32) -> i32 {
    return ((k / uniforms.outChannels) * uniforms.inChannels + n) * uniforms.outChannels
      + k % uniforms.outChannels;
  }
  fn loadB(c : ColB, k : i32, n : i32) -> vec4<f32> {
    ${readB}
  }`,
  };
}

/** The gradient of a conv2d (`info`) with respect to its input, from `dy` and `filter`. */
export function conv2dBackpropInput(
  backend: tf.KernelBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const size: GemmSize = {
    m: info.batchSize * info.inHeight * info.inWidth,
    n: info.inChannels,
    k: info.filterHeight * info.filterWidth * info.outChannels,
    splits: 1,
  };
  const vec = info.outChannels % 4 === 0;
  const out = runConvGemm(backend, info, {
    key: `conv2dBackpropInput_${vec}`,
    inputs: [{ name: "dy", tensor: dy, vec4: vec }, { name: "w", tensor: filter, vec4: vec }],
    operands: operands(vec),
    size,
  });
  return { dataId: out.dataId, shape: info.inShape, dtype: "float32" };
}
