/**
 * `Conv2DBackpropFilter` (NHWC) as an implicit GEMM: dw[kh, kw, ci, co] = sum over b, oh, ow
 * of x[b, oh * strideH - padTop + kh, ow * strideW - padLeft + kw, ci] * dy[b, oh, ow, co].
 * M = fH * fW * inChannels (dw's rows as it lies in memory), N = outChannels, K = batch *
 * outH * outW output pixels. A[m][k] gathers from x (read along m: 4 consecutive m are 4
 * consecutive channels of one input pixel, one vec4 load when inChannels % 4 == 0); B is dy
 * as it lies in memory (row-major [K, N]).
 *
 * K is long (262,144 for a batch of 256 at 32 x 32) and M x N small (576 x 64 for a 3x3
 * 64 -> 64 conv: 9 tiles), so one workgroup per tile would leave a GPU idle. K is split
 * across workgroups (dispatch z, see {@link splitsFor}): each split writes its partial dw
 * and a second pass (split_k_sum.ts) sums them in a fixed order, so the result does not
 * depend on scheduling.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebgpuLike } from "../../kernels/webgpu.ts";
import { denseB, workgroupStorage } from "./conv_geometry.ts";
import { runConvGemm } from "./run_conv_gemm.ts";
import { sumSplits } from "./split_k_sum.ts";
import {
  type GemmOperands,
  type GemmSize,
  type GemmTile,
  kPerSplit,
  TILE_K,
  tileFor,
} from "./tiled_gemm.ts";

/** Workgroups a split launch aims for: a few per multiprocessor of a large GPU (132 on H100). */
export const TARGET_WORKGROUPS = 512;

/** Fewest K chunks per split, so the partials' traffic stays small beside the multiplies. */
export const MIN_CHUNKS_PER_SPLIT = 16;

/** How many K splits an M x N x K filter gradient gets with `tile`. */
export function splitsFor(
  m: number,
  n: number,
  k: number,
  tile: GemmTile = tileFor(m, n),
): number {
  const tiles = Math.ceil(m / (4 * tile.threadsM)) * Math.ceil(n / (4 * tile.threadsN));
  const wanted = Math.ceil(TARGET_WORKGROUPS / tiles);
  const most = Math.max(1, Math.floor(k / (TILE_K * MIN_CHUNKS_PER_SPLIT)));
  const splits = Math.max(1, Math.min(wanted, most));
  // Whole chunks per split can leave the last splits empty: drop them (but keep one, which
  // writes the zeros of an empty batch).
  return Math.max(1, Math.ceil(k / kPerSplit({ m, n, k, splits })));
}

function operands(vecX: boolean, vecDy: boolean): GemmOperands {
  const readA = vecX
    ? `let index = xIndex(r.tap, r.channel, k);
    if (!r.inside || index < 0) { return vec4<f32>(0.0); }
    return x[index / 4];`
    : `var v = vec4<f32>(0.0);
    for (var j = 0; j < 4; j++) {
      let mj = m + j;
      let index = xIndex(mj / uniforms.inChannels, mj % uniforms.inChannels, k);
      if (mj < uniforms.dimM && index >= 0) { v[j] = x[index]; }
    }
    return v;`;
  return {
    aAlong: "m",
    bAlong: "n",
    wgsl: `
  struct RowA { inside : bool, tap : i32, channel : i32 };
  fn rowA(m : i32) -> RowA {
    return RowA(m < uniforms.dimM, m / uniforms.inChannels, m % uniforms.inChannels);
  }
  // x's flat index at filter tap \`tap\`, channel \`ci\`, output pixel k; -1 over the padding.
  fn xIndex(tap : i32, ci : i32, k : i32) -> i32 {
    if (k >= uniforms.dimK) { return -1; }
    let ow = k % uniforms.outWidth;
    let rest = k / uniforms.outWidth;
    let oh = rest % uniforms.outHeight;
    let b = rest / uniforms.outHeight;
    let ih = oh * uniforms.strideHeight - uniforms.padTop + tap / uniforms.filterWidth;
    let iw = ow * uniforms.strideWidth - uniforms.padLeft + tap % uniforms.filterWidth;
    if (ih < 0 || ih >= uniforms.inHeight || iw < 0 || iw >= uniforms.inWidth) { return -1; }
    return ((b * uniforms.inHeight + ih) * uniforms.inWidth + iw) * uniforms.inChannels + ci;
  }
  fn loadA(r : RowA, m : i32, k : i32) -> vec4<f32> {
    ${readA}
  }
  ${denseB("dy", vecDy)}`,
  };
}

/** The gradient of a conv2d (`info`) with respect to its filter, from `x` and `dy`. */
export function conv2dBackpropFilter(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const m = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.outChannels;
  const k = info.batchSize * info.outHeight * info.outWidth;
  const tile = tileFor(m, n, workgroupStorage(backend));
  const size: GemmSize = { m, n, k, splits: splitsFor(m, n, k, tile) };
  const vecX = info.inChannels % 4 === 0;
  const vecDy = info.outChannels % 4 === 0;
  let out = runConvGemm(backend, info, {
    key: `conv2dBackpropFilter_${vecX}_${vecDy}`,
    inputs: [{ name: "x", tensor: x, vec4: vecX }, { name: "dy", tensor: dy, vec4: vecDy }],
    operands: operands(vecX, vecDy),
    size,
    tile,
  });
  if (size.splits > 1) {
    const partials = out;
    out = sumSplits(backend, partials, size.splits);
    (backend as WebgpuLike).disposeData(partials.dataId);
  }
  return { dataId: out.dataId, shape: info.filterShape, dtype: "float32" };
}
