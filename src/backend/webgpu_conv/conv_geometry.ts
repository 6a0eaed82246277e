/**
 * What the three convolution programs share: the geometry uniforms (from tf.js'
 * `Conv2DInfo`), which convolutions they handle, and flat views of the tensors they bind.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { DEFAULT_WORKGROUP_STORAGE, type GemmSize, gemmUniforms } from "./tiled_gemm.ts";
import type { WgslUniform } from "../../kernels/webgpu.ts";

/** The convolution's geometry as uniform fields (all i32), after the GEMM's. */
export const CONV_UNIFORMS: string = "inHeight : i32, inWidth : i32, inChannels : i32, " +
  "outHeight : i32, outWidth : i32, outChannels : i32, filterHeight : i32, " +
  "filterWidth : i32, strideHeight : i32, strideWidth : i32, padTop : i32, padLeft : i32,";

/** The GEMM's and the geometry's uniform values, as one int32 list per field. */
export function convUniforms(info: tf.backend_util.Conv2DInfo, size: GemmSize): WgslUniform[] {
  const values = [
    ...gemmUniforms(size),
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  return values.map((v) => ({ type: "int32", data: [v] }));
}

/**
 * The geometry compiled into a program's pipeline (see `TiledGemmOptions.baked`): every
 * field but the batch (it changes M or K, not the index arithmetic) and the pads.
 */
export function bakedGeometry(info: tf.backend_util.Conv2DInfo): Record<string, number> {
  return {
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
  };
}

/** WebGPU's guaranteed workgroups per dispatch dimension. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * Why the project's programs do not run `info` (tf.js' kernel then does), or null when they
 * do: only NHWC float32 with dilation 1, no empty tensor, and sizes whose indices fit in i32.
 */
export function unsupportedReason(
  info: tf.backend_util.Conv2DInfo,
  dtypes: tf.DataType[],
): string | null {
  if (info.dataFormat !== "channelsLast") return "NCHW";
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return "dilation > 1";
  if (dtypes.some((d) => d !== "float32")) return "not float32";
  const largest = Math.max(
    tf.util.sizeFromShape(info.inShape),
    tf.util.sizeFromShape(info.outShape),
    tf.util.sizeFromShape(info.filterShape),
  );
  if (largest >= 2 ** 31 - 1) return "over 2^31 elements";
  // WebGPU cannot bind an empty buffer (tf.js' own kernels fail the same way).
  const smallest = Math.min(
    tf.util.sizeFromShape(info.inShape),
    tf.util.sizeFromShape(info.outShape),
    tf.util.sizeFromShape(info.filterShape),
  );
  if (smallest === 0) return "an empty tensor";
  // Rows of M per workgroup are at least 64 (see tileFor); y carries M's tiles.
  const m = info.batchSize * Math.max(info.inHeight * info.inWidth, info.outHeight * info.outWidth);
  if (Math.ceil(m / 64) > MAX_WORKGROUPS_PER_DIMENSION) return "too many rows for one dispatch";
  return null;
}

/** `t` seen as a flat vector (same data, no copy): the programs index it themselves. */
export function flat(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [tf.util.sizeFromShape(t.shape)], dtype: t.dtype };
}

/**
 * Operand WGSL for a row-major `[dimK, dimN]` matrix `name` read along n (the forward
 * filter, the backprop-filter's `dy`): `struct ColB`, `colB`, `loadB` of tiled_gemm.ts' `GemmOperands`.
 * With `isVec4` (dimN % 4 == 0, so a group of 4 columns is all in or all out) one vec4 load.
 */
export function denseB(name: string, isVec4: boolean): string {
  const body = isVec4 ? `return ${name}[(k * uniforms.dimN + n) / 4];` : `var v = vec4<f32>(0.0);
    for (var j = 0; j < 4; j++) {
      if (n + j < uniforms.dimN) { v[j] = ${name}[k * uniforms.dimN + n + j]; }
    }
    return v;`;
  return `
  struct ColB { n : i32 };
  fn colB(n : i32) -> ColB { return ColB(n); }
  fn loadB(c : ColB, k : i32, n : i32) -> vec4<f32> {
    if (k >= uniforms.dimK || n >= uniforms.dimN) { return vec4<f32>(0.0); }
    ${body}
  }`;
}

/** The device's workgroup memory per workgroup (tf.js asks for the adapter's maximum). */
export function workgroupStorage(backend: tf.KernelBackend): number {
  const device = (backend as unknown as {
    device?: { limits?: { maxComputeWorkgroupStorageSize?: number } };
  }).device;
  return device?.limits?.maxComputeWorkgroupStorageSize ?? DEFAULT_WORKGROUP_STORAGE;
}
