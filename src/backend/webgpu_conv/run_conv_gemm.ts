/**
 * Runs one convolution's implicit GEMM: what the forward pass and both gradients share once
 * each has said how it gathers its operands (the tile's program, the geometry as uniforms and
 * as baked constants, the flat views of its two inputs).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { runProgram } from "../../kernels/webgpu.ts";
import {
  bakedGeometry,
  CONV_UNIFORMS,
  convUniforms,
  flat,
  workgroupStorage,
} from "./conv_geometry.ts";
import {
  type GemmOperands,
  type GemmSize,
  type GemmTile,
  tiledGemmProgram,
  tileFor,
} from "./tiled_gemm.ts";

/** One bound input of a convolution's GEMM. */
export interface ConvGemmInput {
  /** Its binding's name in the operands' WGSL (`x`, `w`, `dy`). */
  readonly name: string;
  /** The tensor (bound flat). */
  readonly tensor: tf.TensorInfo;
  /** Whether the operands read it as `vec4`s (its innermost dimension is a multiple of 4). */
  readonly vec4: boolean;
}

/** What a convolution program gives {@link runConvGemm}. */
export interface ConvGemm {
  /** The pipeline key of its loaders (which convolution, which inputs are read as vec4s). */
  readonly key: string;
  /** Its two inputs, in the order the operands' WGSL binds them. */
  readonly inputs: readonly [ConvGemmInput, ConvGemmInput];
  /** How A and B are gathered. */
  readonly operands: GemmOperands;
  /** M, N, K and the K splits. */
  readonly size: GemmSize;
  /** The tile; absent: {@link tileFor} M x N within the device's workgroup memory. */
  readonly tile?: GemmTile;
}

/**
 * The flat `splits x M x N` output of `gemm` for the convolution `info`; the caller gives it
 * its shape (or sums the splits first).
 */
export function runConvGemm(
  backend: tf.KernelBackend,
  info: tf.backend_util.Conv2DInfo,
  gemm: ConvGemm,
): tf.TensorInfo {
  const { size, inputs } = gemm;
  const program = tiledGemmProgram({
    key: gemm.key,
    variableNames: inputs.map((input) => input.name),
    variableComponents: inputs.map((input) => input.vec4 ? 4 : 1),
    uniforms: CONV_UNIFORMS,
    baked: bakedGeometry(info),
    tile: gemm.tile ?? tileFor(size.m, size.n, workgroupStorage(backend)),
    operands: gemm.operands,
    size,
  });
  const tensors = inputs.map((input) => flat(input.tensor));
  return runProgram(backend, program, tensors, convUniforms(info, size));
}
