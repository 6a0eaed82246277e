/**
 * Running a WGSL program of this folder on tf.js' `webgpu` backend, through the backend's own
 * `runWebGPUProgram`: it binds the inputs (as `x`-style accessors named by `variableNames`),
 * the output (`result`, written with `setOutputAtIndex`) and the uniforms, caches the
 * pipeline by `shaderKey`, and records the dispatch into the backend's current command
 * encoder, so our dispatches batch with tf.js' own.
 *
 * Only types are imported from `@tensorflow/tfjs-backend-webgpu`: the ops of this folder
 * must load on backends without WebGPU.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The fields of tf.js' `WebGPUProgram` our programs fill in. */
export interface WgslProgram {
  /** Shape of the one output. */
  outputShape: number[];
  /** Pipeline cache key: must change whenever `getUserCode()` would. */
  shaderKey: string;
  /** Output axes laid over the dispatch's x (and y, z) dimensions. */
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  /** Workgroups per dimension. */
  dispatch: [number, number, number];
  /** The inputs' accessor names, in input order. */
  variableNames: string[];
  /** Threads per workgroup. */
  workgroupSize: [number, number, number];
  /** Adds `uniforms.size` (the output's element count). */
  size?: boolean;
  /** Extra uniform fields, WGSL syntax (`"n : i32, eps : f32,"`). */
  uniforms?: string;
  /** The shader body: must define `fn main(index : i32)` (see {@link MAIN}). */
  getUserCode(): string;
}

/** One program-defined uniform value, in the order of {@link WgslProgram.uniforms}. */
export interface WgslUniform {
  /** `float32`, `int32` or `uint32`. */
  type: "float32" | "int32" | "uint32";
  /** The value(s). */
  data: number[];
}

/** The entry point tf.js' shader wrapper calls once per thread with its flat global index. */
export const MAIN = "fn main(index : i32)";

/** What the programs need of tf.js' `WebGPUBackend`. */
export interface WebgpuLike extends tf.KernelBackend {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: WgslUniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/**
 * A program of `threads` threads in a flat 1-D dispatch (workgroups of `workgroup`), whose
 * output has `outputShape`; `body` defines {@link MAIN}.
 */
export function flatProgram(
  shaderKey: string,
  outputShape: number[],
  variableNames: string[],
  body: string,
  options: { threads?: number; workgroup?: number; uniforms?: string } = {},
): WgslProgram {
  const workgroup = options.workgroup ?? 64;
  const threads = options.threads ?? tf.util.sizeFromShape(outputShape);
  return {
    outputShape,
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.max(1, Math.ceil(threads / workgroup)), 1, 1],
    variableNames,
    workgroupSize: [workgroup, 1, 1],
    size: true,
    uniforms: options.uniforms,
    getUserCode: () => body,
  };
}

/** Runs `program` on `inputs`; the caller owns the output. */
export function runProgram(
  backend: tf.KernelBackend,
  program: WgslProgram,
  inputs: tf.TensorInfo[],
  uniforms: WgslUniform[] = [],
  outputDtype: tf.DataType = "float32",
): tf.TensorInfo {
  return (backend as WebgpuLike).runWebGPUProgram(program, inputs, outputDtype, uniforms);
}
