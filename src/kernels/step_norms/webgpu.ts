/**
 * The step norms' kernels on tf.js' `webgpu` backend, in WGSL.
 *
 * `LayerSquaredNorms` binds the gradients of a chunk of tensors per program, each workgroup
 * reducing one tensor, every chunk writing its slots of the one `[n]` output. A chunk holds
 * as many tensors as the device's storage buffers per shader stage allow (the output takes
 * one; 31 on lavapipe, whose adapter allows 32, which `src/backend/webgpu_device.ts` asks
 * for; 7 under WebGPU's default 8), at most {@link MAX_INPUTS_PER_PROGRAM}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { flatProgram, MAIN, type WebgpuLike, type WgslProgram } from "../webgpu.ts";
import { workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
import { checkLayers, type StepNormsAttrs } from "./host.ts";

/** Inputs per program at most, whatever the device allows (bounds the generated WGSL). */
export const MAX_INPUTS_PER_PROGRAM = 32;

/** Inputs per program on `device`: its storage buffers less the output's, capped. */
export function inputsPerProgram(device: { limits: GPUSupportedLimits }): number {
  return Math.max(
    1,
    Math.min(MAX_INPUTS_PER_PROGRAM, device.limits.maxStorageBuffersPerShaderStage - 1),
  );
}
/** Threads per workgroup (a power of two). */
const WIDTH = 256;

/** The WGSL of a chunk of `count` tensors `x0..`, writing `result[offset + t]`. */
function chunkSource(count: number): string {
  // The workgroup picks its tensor once (t is the same for all its threads), then loops.
  const cases = Array.from({ length: count }, (_, t) =>
    `case ${t}: {
      for (var i = tid; i < uniforms.x${t}Shape; i = i + ${WIDTH}) {
        let v = x${t}[i];
        sum = sum + v * v;
      }
    }`).join("\n    ");
  return `
var<workgroup> scratch : array<f32, ${WIDTH}>;
${MAIN} {
  let tid = i32(localId.x);
  let t = index / ${WIDTH};
  var sum = 0.0;
  switch (t) {
    ${cases}
    default: {}
  }
  scratch[tid] = sum;
  ${workgroupTreeReduce(["scratch"], WIDTH, { thread: "tid" })}
  if (tid == 0 && t < ${count}) { result[uniforms.offset + t] = scratch[0]; }
}`;
}

/** A 1-D view of `x` (same data): the programs index the tensors flat. */
const flat = (x: tf.TensorInfo): tf.TensorInfo => ({
  ...x,
  shape: [tf.util.sizeFromShape(x.shape)],
});

/** `LayerSquaredNorms` on webgpu: inputs a list of float32 tensors, output `[n]`. */
export function squaredNormsWebgpu(
  args: { inputs: tf.TensorInfo[]; backend: tf.KernelBackend },
): tf.TensorInfo {
  const backend = args.backend as WebgpuLike & {
    makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  };
  const inputs = args.inputs.map(flat);
  const n = inputs.length;
  const nonEmpty = inputs.find((x) => x.shape[0] > 0);
  // No data to bind (every tensor empty): the norms are zeros.
  if (nonEmpty === undefined) return backend.makeTensorInfo([n], "float32", new Float32Array(n));
  const out = backend.makeTensorInfo([n], "float32");
  const per = inputsPerProgram((backend as unknown as { device: GPUDevice }).device);
  for (let offset = 0; offset < n; offset += per) {
    // An empty tensor binds another tensor's buffer with length 0: its slot gets 0.
    const chunk = inputs.slice(offset, offset + per)
      .map((x) => x.shape[0] > 0 ? x : { ...nonEmpty, shape: [0] });
    const names = chunk.map((_, t) => `x${t}`);
    const program: WgslProgram = flatProgram(
      `lalcSquaredNorms${chunk.length}`,
      [n],
      names,
      chunkSource(chunk.length),
      { threads: chunk.length * WIDTH, workgroup: WIDTH, uniforms: "offset : i32," },
    );
    backend.runWebGPUProgram(program, chunk, "float32", [{ type: "int32", data: [offset] }], out);
  }
  return out;
}

/** `StepNorms` on webgpu: one thread per output; the layer indices are part of the shader. */
export function stepNormsWebgpu(
  args: { inputs: { squares: tf.TensorInfo }; backend: tf.KernelBackend; attrs: StepNormsAttrs },
): tf.TensorInfo {
  const { layers } = args.attrs;
  const { squares } = args.inputs;
  checkLayers(layers, squares.shape[0]);
  const count = layers.length;
  const table = count === 0
    ? ""
    : `var<private> layers : array<i32, ${count}> = array<i32, ${count}>(${layers.join(", ")});`;
  const layerNorm = count === 0 ? "" : `if (index < ${count}) {
      result[index] = sqrt(squares[layers[index]]);
      return;
    }`;
  const source = `
${table}
${MAIN} {
  if (index < uniforms.size) {
    ${layerNorm}
    var total = 0.0;
    for (var i = 0; i < uniforms.squaresShape; i = i + 1) { total = total + squares[i]; }
    result[index] = sqrt(total);
  }
}`;
  const program = flatProgram(
    `lalcStepNorms_${layers.join("_")}`,
    [count + 1],
    ["squares"],
    source,
  );
  return (args.backend as WebgpuLike).runWebGPUProgram(program, [squares], "float32");
}
