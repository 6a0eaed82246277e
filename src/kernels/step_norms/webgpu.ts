/**
 * The step norms' kernels on tf.js' `webgpu` backend, in WGSL.
 *
 * `LayerSquaredNorms` cannot bind every gradient in one program: tf.js asks for WebGPU's
 * default limits, 8 storage buffers per shader stage (see src/backend/webgpu_addn.ts), and
 * the output takes one. So it runs one program per chunk of at most 7 tensors, each
 * workgroup reducing one tensor, every chunk writing its slots of the one `[n]` output.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { flatProgram, MAIN, type WebgpuLike, type WgslProgram } from "../webgpu.ts";
import { checkLayers, type StepNormsAttrs } from "./host.ts";

/** Inputs per program: 8 storage buffers, one of them the output. */
export const INPUTS_PER_PROGRAM = 7;
/** Threads per workgroup (a power of two). */
const WIDTH = 256;

/** The WGSL of a chunk of `count` tensors `x0..`, writing `result[offset + t]`. */
function chunkSource(count: number): string {
  const names = Array.from({ length: count }, (_, t) => `x${t}`);
  const branch = (f: (x: string) => string) =>
    names.map((x, t) => `if (t == ${t}) { return ${f(x)}; }`).join("\n  ");
  return `
var<workgroup> scratch : array<f32, ${WIDTH}>;
fn valueAt(t : i32, i : i32) -> f32 {
  ${branch((x) => `${x}[i]`)}
  return 0.0;
}
fn sizeOf(t : i32) -> i32 {
  ${branch((x) => `uniforms.${x}Shape`)}
  return 0;
}
${MAIN} {
  let tid = i32(localId.x);
  let t = index / ${WIDTH};
  let n = sizeOf(t);
  var sum = 0.0;
  for (var i = tid; i < n; i = i + ${WIDTH}) { let v = valueAt(t, i); sum = sum + v * v; }
  scratch[tid] = sum;
  workgroupBarrier();
  for (var width = ${WIDTH / 2}; width > 0; width = width / 2) {
    if (tid < width) { scratch[tid] = scratch[tid] + scratch[tid + width]; }
    workgroupBarrier();
  }
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
  for (let offset = 0; offset < n; offset += INPUTS_PER_PROGRAM) {
    // An empty tensor binds another tensor's buffer with length 0: its slot gets 0.
    const chunk = inputs.slice(offset, offset + INPUTS_PER_PROGRAM)
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
