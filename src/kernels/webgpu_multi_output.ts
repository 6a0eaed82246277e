/**
 * One WGSL dispatch that writes several tensors on tf.js' `webgpu` backend.
 *
 * tf.js gives a program ONE output (`result`, binding 0): an optimizer update that makes a
 * new parameter and a new momentum buffer costs two dispatches, the second re-reading what
 * the first wrote. A program here declares all its bindings itself (outputs read-write,
 * inputs read-only, its own uniform struct) and is recorded through the backend's own
 * `recordAndSubmit`, which binds `[output, ...inputs, uniforms]` in that order: the first
 * output goes as tf.js' output, the others lead the input list. So the dispatch still lands in
 * the backend's command encoder and pass, batches and submits with tf.js' own, keeps its
 * buffers alive until the submit (`commandQueueOwnedIds`), and is counted by
 * `src/backend/webgpu_counts.ts` like any other.
 *
 * What `recordAndSubmit` puts in the uniform buffer ahead of the program's own values, for
 * tensors bound flat (rank 1), is fixed: NaN, Infinity (f32), then each bound tensor's shape
 * and strides (one i32 each; tf.js writes rank 1's empty strides as 1). {@link uniformHeader}
 * declares that head so the program's fields land where tf.js writes them.
 *
 * Uses tf.js 4.22's `WebGPUBackend` internals (`recordAndSubmit`, `uploadToGPU`,
 * `makeTensorInfo`, `device`); {@link multiOutputSupported} says whether a backend has them,
 * and callers fall back to one-output programs when it does not.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WgslUniform } from "./webgpu.ts";

/** Threads per workgroup of every multi-output program. */
const WORKGROUP = 64;

/** WebGPU's guaranteed workgroups per dispatch dimension. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** A program of one thread per element (or per channel) that writes several outputs. */
export interface MultiOutputProgram {
  /** Pipeline cache key: must change whenever the WGSL would. */
  readonly key: string;
  /** The outputs' binding names, in the order the results come back. */
  readonly outputs: readonly string[];
  /** The inputs' binding names, in the order their tensors are given. */
  readonly inputs: readonly string[];
  /** The program's own uniform fields, WGSL struct syntax (`"mu : f32, count : i32,"`). */
  readonly uniforms: string;
  /** WGSL before the entry point (helper functions). */
  readonly prelude?: string;
  /**
   * WGSL statements run by thread `j` (an `i32`, `j < uniforms.count` checked before): they
   * write the outputs, e.g. `mom_out[j] = ...; param_out[j] = ...;`. With
   * {@link groupThreads}, run by every thread `t` of workgroup `w` instead (both `i32`,
   * `w < uniforms.count` checked before).
   */
  readonly body: string;
  /**
   * Workgroups of this many threads, the body run per workgroup (`w`) and thread (`t`), and
   * `count` counting workgroups: for reductions, a workgroup per tensor. `w` is uniform
   * across the workgroup, so the body may branch on it around `workgroupBarrier()`. Unset:
   * a thread per element, in workgroups of 64.
   */
  readonly groupThreads?: number;
}

/** The parts of tf.js 4.22's `WebGPUBackend` this module uses. */
interface WebgpuInternals {
  readonly device: GPUDevice;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  recordAndSubmit(
    program: RecordedProgram,
    output: tf.TensorInfo,
    inputs: tf.TensorInfo[],
    uniforms: WgslUniform[],
  ): void;
}

/** What `recordAndSubmit` reads of a program. */
interface RecordedProgram {
  readonly pipeline: GPUComputePipeline;
  readonly dispatch: [number, number, number];
  /** Read by webgpu_counts.ts's per-program breakdown. */
  readonly shaderKey: string;
}

/** Whether `backend` has what {@link runMultiOutput} uses (tf.js 4.22's webgpu does). */
export function multiOutputSupported(backend: unknown): boolean {
  const b = backend as Partial<Record<keyof WebgpuInternals, unknown>> | null;
  return b !== null && typeof b === "object" && typeof b.recordAndSubmit === "function" &&
    typeof b.uploadToGPU === "function" && typeof b.makeTensorInfo === "function" &&
    typeof b.device === "object" && b.device !== null;
}

/**
 * The uniform fields `recordAndSubmit` writes ahead of a program's own when `tensors` flat
 * tensors are bound (outputs and inputs together).
 */
export function uniformHeader(tensors: number): string {
  const fields = ["nanValue : f32,", "infinityValue : f32,"];
  for (let t = 0; t < tensors; t++) fields.push(`shape${t} : i32,`, `stride${t} : i32,`);
  return fields.join(" ");
}

/** The complete WGSL of `program`. */
export function multiOutputSource(program: MultiOutputProgram): string {
  const names = [...program.outputs, ...program.inputs];
  const bindings = names.map((name, i) =>
    `@group(0) @binding(${i}) var<storage, ${
      i < program.outputs.length ? "read_write" : "read"
    }> ${name} : array<f32>;`
  );
  return `struct Uniforms { ${uniformHeader(names.length)} ${program.uniforms} };
${bindings.join("\n")}
@group(0) @binding(${names.length}) var<uniform> uniforms : Uniforms;
${program.prelude ?? ""}
${program.groupThreads === undefined ? elementMain(program.body) : groupMain(program)}`;
}

function elementMain(body: string): string {
  return `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id : vec3<u32>,
        @builtin(num_workgroups) groups : vec3<u32>) {
  let j = i32(id.x + id.y * groups.x * ${WORKGROUP}u);
  if (j >= uniforms.count) { return; }
  ${body}
}`;
}

function groupMain(program: MultiOutputProgram): string {
  return `@compute @workgroup_size(${program.groupThreads})
fn main(@builtin(workgroup_id) group : vec3<u32>,
        @builtin(local_invocation_id) local : vec3<u32>,
        @builtin(num_workgroups) groups : vec3<u32>) {
  let w = i32(group.x + group.y * groups.x);
  let t = i32(local.x);
  if (w >= uniforms.count) { return; }
  ${program.body}
}`;
}

/** Pipelines by device and key (a device's pipelines die with it). */
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipelineOf(device: GPUDevice, program: MultiOutputProgram): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (cache === undefined) pipelines.set(device, cache = new Map());
  let pipeline = cache.get(program.key);
  if (pipeline === undefined) {
    const names = [...program.outputs, ...program.inputs];
    // An explicit layout: an input the body does not read stays bound (an automatic layout
    // would drop it and the bind group would not match).
    const layout = device.createBindGroupLayout({
      entries: [
        ...names.map((_, i): GPUBindGroupLayoutEntry => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: i < program.outputs.length ? "storage" : "read-only-storage" },
        })),
        { binding: names.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } },
      ],
    });
    pipeline = device.createComputePipeline({
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: {
        module: device.createShaderModule({ code: multiOutputSource(program) }),
        entryPoint: "main",
      },
    });
    cache.set(program.key, pipeline);
  }
  return pipeline;
}

/**
 * Workgroups for `count` threads (or, `perGroup`, `count` workgroups), spread over y past
 * WebGPU's per-dimension limit.
 */
function dispatchFor(count: number, perGroup: boolean): [number, number, number] {
  const groups = Math.max(1, perGroup ? count : Math.ceil(count / WORKGROUP));
  const x = Math.min(groups, MAX_WORKGROUPS_PER_DIMENSION);
  return [x, Math.ceil(groups / x), 1];
}

/**
 * Runs `program` with `count` threads (thread `j`; workgroups with `groupThreads`) on
 * `inputs` (float32, any shape, read flat) and returns its outputs, of `outputShapes` (one
 * per output); the caller owns them.
 * `uniforms` are the program's own values, in the order of its `uniforms` fields, which must
 * include `count : i32` (given `count`).
 *
 * @example
 * ```ts ignore
 * // Two outputs of one dispatch: x + y and x * y.
 * const [sum, product] = runMultiOutput(tf.backend(), {
 *   key: "sumAndProduct", outputs: ["s", "p"], inputs: ["x", "y"],
 *   uniforms: "count : i32,", body: "s[j] = x[j] + y[j]; p[j] = x[j] * y[j];",
 * }, [x, y], [[4], [4]], 4, [{ type: "int32", data: [4] }]);
 * ```
 */
export function runMultiOutput(
  backend: tf.KernelBackend,
  program: MultiOutputProgram,
  inputs: readonly tf.TensorInfo[],
  outputShapes: readonly (readonly number[])[],
  count: number,
  uniforms: readonly WgslUniform[],
): tf.TensorInfo[] {
  const b = backend as unknown as WebgpuInternals;
  const outputs = outputShapes.map((shape) => {
    const size = tf.util.sizeFromShape([...shape]);
    // An empty output gets no buffer (WebGPU refuses empty bindings), as tf.js makes them.
    return b.makeTensorInfo([...shape], "float32", size === 0 ? new Float32Array(0) : undefined);
  });
  const bound = [...outputs, ...inputs];
  if (count === 0 || bound.some((t) => tf.util.sizeFromShape(t.shape) === 0)) return outputs;
  for (const t of bound) b.uploadToGPU(t.dataId);
  // recordAndSubmit writes each bound tensor's shape and strides: bind them flat, so each
  // takes exactly the two i32 fields uniformHeader declares.
  const flat = bound.map((t) => ({ ...t, shape: [tf.util.sizeFromShape(t.shape)] }));
  const recorded: RecordedProgram = {
    pipeline: pipelineOf(b.device, program),
    dispatch: dispatchFor(count, program.groupThreads !== undefined),
    shaderKey: program.key,
  };
  b.recordAndSubmit(recorded, flat[0], flat.slice(1), [...uniforms]);
  return outputs;
}
