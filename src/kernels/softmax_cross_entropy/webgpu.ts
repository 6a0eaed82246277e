/**
 * The softmax cross-entropy kernels for tf.js' `webgpu` backend, in WGSL (float32: WGSL has
 * no float64; the row max is subtracted before `exp` as on the host).
 *
 * The forward kernel's two outputs want different thread layouts, so it is two dispatches: the
 * softmax (one workgroup per row) and the loss (one workgroup over all rows, each thread
 * taking every 64th row's log-sum-exp from the logits, not from `log(probs)`, which
 * underflows to `-inf` for a logit 160 below the row max).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { flatProgram, MAIN, runProgram } from "../webgpu.ts";
import { workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
import { type ForwardInputs, type GradInputs, logitsShape } from "./host.ts";

/** Threads per workgroup of the reductions (a power of two). */
const WIDTH = 64;

/** WGSL: tree-reduce `scratch[0..WIDTH)` into `scratch[0]` with `op` (a WGSL function name). */
const reduceScratch = (op: string) =>
  workgroupTreeReduce(["scratch"], WIDTH, {
    thread: "tid",
    combine: (a, b) => `${op}(${a}, ${b})`,
  });

const SOFTMAX = `
var<workgroup> scratch : array<f32, ${WIDTH}>;
fn plus(a : f32, b : f32) -> f32 { return a + b; }
${MAIN} {
  let tid = i32(localId.x);
  let rows = uniforms.outShape[0];
  let cols = uniforms.outShape[1];
  // reshapeDispatch may add workgroups past the last row: they read row rows-1, write nothing.
  let row = min(index / ${WIDTH}, rows - 1);
  let base = row * cols;
  var rowMax = -3.402823e+38f;
  for (var k = tid; k < cols; k = k + ${WIDTH}) { rowMax = max(rowMax, logits[base + k]); }
  scratch[tid] = rowMax;
  ${reduceScratch("max")}
  rowMax = scratch[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var k = tid; k < cols; k = k + ${WIDTH}) { sum = sum + exp(logits[base + k] - rowMax); }
  scratch[tid] = sum;
  ${reduceScratch("plus")}
  let inverse = 1.0 / scratch[0];
  if (index / ${WIDTH} < rows) {
    for (var k = tid; k < cols; k = k + ${WIDTH}) {
      result[base + k] = exp(logits[base + k] - rowMax) * inverse;
    }
  }
}`;

const LOSS = `
var<workgroup> scratch : array<f32, ${WIDTH}>;
fn plus(a : f32, b : f32) -> f32 { return a + b; }
${MAIN} {
  let tid = i32(localId.x);
  let rows = uniforms.logitsShape[0];
  let cols = uniforms.logitsShape[1];
  var total = 0.0;
  for (var r = tid; r < rows; r = r + ${WIDTH}) {
    let base = r * cols;
    var rowMax = -3.402823e+38f;
    for (var k = 0; k < cols; k = k + 1) { rowMax = max(rowMax, logits[base + k]); }
    var sum = 0.0;
    for (var k = 0; k < cols; k = k + 1) { sum = sum + exp(logits[base + k] - rowMax); }
    let label = labels[r];
    // A label outside [0, K) adds 0, as the unfused path's zero one-hot row does.
    if (label >= 0 && label < cols) { total = total + (rowMax - logits[base + label]) + log(sum); }
  }
  scratch[tid] = total;
  ${reduceScratch("plus")}
  if (tid == 0) { result[0] = scratch[0] / f32(rows); }
}`;

const GRAD = `
${MAIN} {
  if (index < uniforms.size) {
    let rows = uniforms.outShape[0];
    let cols = uniforms.outShape[1];
    let row = index / cols;
    let label = labels[row];
    let valid = select(0.0, 1.0, label >= 0 && label < cols);
    let hot = select(0.0, 1.0, index - row * cols == label);
    result[index] = dy[0] / f32(rows) * valid * (probs[index] - hot);
  }
}`;

/** Forward on webgpu: `[loss, probs]` (see SOFTMAX_CROSS_ENTROPY_KERNEL). */
export function softmaxCrossEntropyWebgpu(
  args: { inputs: ForwardInputs; backend: tf.KernelBackend },
): tf.TensorInfo[] {
  const { logits, labels } = args.inputs;
  const [rows, classes] = logitsShape(logits, labels);
  const probs = runProgram(
    args.backend,
    flatProgram("lalcSoftmaxProbs", [rows, classes], ["logits"], SOFTMAX, {
      threads: rows * WIDTH,
      workgroup: WIDTH,
    }),
    [logits],
  );
  const loss = runProgram(
    args.backend,
    flatProgram("lalcSoftmaxLoss", [1], ["logits", "labels"], LOSS, {
      threads: WIDTH,
      workgroup: WIDTH,
    }),
    [logits, labels],
  );
  return [{ ...loss, shape: [] }, probs];
}

/** Backward on webgpu: `dy * (probs - onehot(labels)) / B`. */
export function softmaxCrossEntropyGradWebgpu(
  args: { inputs: GradInputs; backend: tf.KernelBackend },
): tf.TensorInfo {
  const { dy, probs, labels } = args.inputs;
  const [rows, classes] = logitsShape(probs, labels);
  const program = flatProgram("lalcSoftmaxCrossEntropyGrad", [rows, classes], [
    "dy",
    "probs",
    "labels",
  ], GRAD);
  return runProgram(args.backend, program, [dy, probs, labels]);
}
