/**
 * The webgpu kernels of {@link BATCH_NORM_ACTIVATION_KERNEL} and its backward, in WGSL.
 *
 * Two dispatches each way, the per-channel ones writing several outputs at once
 * (`../webgpu_multi_output.ts`): forward, the statistics `[2, C]` and both running statistics
 * (a workgroup per channel, its threads striding over the rows), then the elementwise
 * output; backward, `dgamma` and `dbeta` (a workgroup per channel), then `dx` and, with ReLU
 * and a residual, `dz` (written by dx's dispatch where the device allows the 9 storage
 * buffers that takes, one more than WebGPU guarantees; else its own). Without ReLU the
 * residual's gradient is `dy` itself, handed out by reference (no dispatch).
 *
 * Registered for `webgpu` at module load; nothing here loads the webgpu backend.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  BATCH_NORM_ACTIVATION_KERNEL,
} from "../../kernel_names.ts";
import { registerOnce } from "../register.ts";
import { flatProgram, MAIN, runProgram, type WgslUniform } from "../webgpu.ts";
import { runMultiOutput } from "../webgpu_multi_output.ts";
import { workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
import { type BatchNormActivationAttrs, rowsAndChannels } from "./host.ts";

type Info = tf.TensorInfo;

const int = (value: number): WgslUniform => ({ type: "int32", data: [value] });
const float = (value: number): WgslUniform => ({ type: "float32", data: [value] });

/** Storage buffers of `dx` and `dz` in one program: 2 outputs and 7 inputs. */
const DX_AND_DZ_BUFFERS = 9;

/** The device's storage buffers per shader stage (src/backend/webgpu_device.ts raises it). */
function storageBuffersPerStage(backend: tf.KernelBackend): number {
  return (backend as unknown as { device: GPUDevice }).device.limits
    .maxStorageBuffersPerShaderStage;
}

/** Rows and channels as uniforms `n`, `c`. */
const SHAPE_UNIFORMS = "n : i32, c : i32,";

/** Threads of a per-channel workgroup. */
const CHANNEL_THREADS = 256;

/** Workgroup memory of the per-channel reductions. */
const PARTIALS = `var<workgroup> partA : array<f32, ${CHANNEL_THREADS}>;
var<workgroup> partB : array<f32, ${CHANNEL_THREADS}>;`;

/**
 * Per channel `w` (a workgroup of {@link CHANNEL_THREADS} each, thread `t` striding over the
 * rows): the statistics `[2, C]` (mean, then `1 / sqrt(biased variance + eps)`: the centered
 * variance, a second pass over the rows, so large means do not cancel) and both running
 * statistics, `momentum * old + (1 - momentum) * batch` (the unbiased variance recovered from
 * invStd: `1 / invStd² - eps`). A thread per channel looping over every row, as before, left
 * a GPU all but idle: a CIFAR ResNet's first stage at batch 1024 is 16 channels of 1,048,576
 * rows.
 */
const STATS_AND_MOVING = `let c = uniforms.c;
  let n = uniforms.n;
  var sum = 0.0;
  for (var i = t; i < n; i = i + ${CHANNEL_THREADS}) { sum = sum + x[i * c + w]; }
  partA[t] = sum;
  ${workgroupTreeReduce(["partA"], CHANNEL_THREADS)}
  let mean = partA[0] / f32(n);
  var squares = 0.0;
  for (var i = t; i < n; i = i + ${CHANNEL_THREADS}) {
    let d = x[i * c + w] - mean;
    squares = squares + d * d;
  }
  partB[t] = squares;
  ${workgroupTreeReduce(["partB"], CHANNEL_THREADS)}
  if (t == 0) {
    let invStd = 1.0 / sqrt(partB[0] / f32(n) + uniforms.eps);
    stats[w] = mean;
    stats[c + w] = invStd;
    movingMean[w] = uniforms.momentum * oldMean[w] + (1.0 - uniforms.momentum) * mean;
    movingVariance[w] = uniforms.momentum * oldVariance[w] + (1.0 - uniforms.momentum) *
      ((1.0 / (invStd * invStd) - uniforms.eps) * uniforms.unbiased);
  }`;

/** `y`, elementwise: the normalization, the optional residual and ReLU. */
function outputBody(residual: boolean, relu: boolean): string {
  return `${MAIN} {
  if (index >= uniforms.size) { return; }
  let c = uniforms.c;
  let j = index % c;
  var z = (x[index] - stats[j]) * (gamma[j] * stats[c + j]) + beta[j];
  ${residual ? "z = z + residual[index];" : ""}
  result[index] = ${relu ? "max(z, 0.0)" : "z"};
}`;
}

/** `dz` of one element: `dy`, masked by `y > 0` with ReLU. */
const dzOf = (relu: boolean, at: string) =>
  relu ? `select(0.0, dy[${at}], y[${at}] > 0.0)` : `dy[${at}]`;

/** `dgamma` and `dbeta` of channel `w` (a workgroup each, as {@link STATS_AND_MOVING}). */
function reductionBody(relu: boolean): string {
  return `let c = uniforms.c;
  var sumGamma = 0.0;
  var sumBeta = 0.0;
  for (var i = t; i < uniforms.n; i = i + ${CHANNEL_THREADS}) {
    let k = i * c + w;
    let g = ${dzOf(relu, "k")};
    sumGamma = sumGamma + g * (x[k] - stats[w]) * stats[c + w];
    sumBeta = sumBeta + g;
  }
  partA[t] = sumGamma;
  partB[t] = sumBeta;
  ${workgroupTreeReduce(["partA", "partB"], CHANNEL_THREADS)}
  if (t == 0) {
    dgamma[w] = partA[0];
    dbeta[w] = partB[0];
  }`;
}

/** `dx` of element `j` from the per-channel `dbeta` and `dgamma`. */
function dxBody(relu: boolean): string {
  return `let c = uniforms.c;
  let ch = j % c;
  let invStd = stats[c + ch];
  let xhat = (x[j] - stats[ch]) * invStd;
  let nf = f32(uniforms.n);
  let g = ${dzOf(relu, "j")};
  dx[j] = gamma[ch] * invStd * (g - dbeta[ch] / nf - xhat * dgamma[ch] / nf);`;
}

/** `dz` of every element (the residual's gradient with ReLU). */
const DZ = `${MAIN} {
  if (index >= uniforms.size) { return; }
  result[index] = ${dzOf(true, "index")};
}`;

function forward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info[] {
  const inputs = args.inputs as unknown as Record<string, Info>;
  const { x, gamma, beta, movingMean, movingVariance, residual } = inputs;
  const { epsilon, momentum, relu } = args.attrs as unknown as BatchNormActivationAttrs;
  const { n, c } = rowsAndChannels(x.shape);
  const backend = args.backend;
  const shape = [int(n), int(c)];
  const [stats, newMean, newVariance] = runMultiOutput(
    backend,
    {
      key: "bnActStatsMoving",
      outputs: ["stats", "movingMean", "movingVariance"],
      inputs: ["x", "oldMean", "oldVariance"],
      uniforms: `${SHAPE_UNIFORMS} eps : f32, momentum : f32, unbiased : f32, count : i32,`,
      groupThreads: CHANNEL_THREADS,
      prelude: PARTIALS,
      body: STATS_AND_MOVING,
    },
    [x, movingMean, movingVariance],
    [[2, c], [c], [c]],
    c,
    [...shape, float(epsilon), float(momentum), float(n > 1 ? n / (n - 1) : 1), int(c)],
  );
  const withResidual = residual !== undefined;
  const names = ["x", "stats", "gamma", "beta", ...(withResidual ? ["residual"] : [])];
  const y = runProgram(
    backend,
    flatProgram(
      `bnActY_${+withResidual}${+relu}`,
      [...x.shape],
      names,
      outputBody(withResidual, relu),
      {
        uniforms: SHAPE_UNIFORMS,
      },
    ),
    [x, stats, gamma, beta, ...(withResidual ? [residual] : [])],
    shape,
  );
  return [y, stats, newMean, newVariance];
}

function backward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info[] {
  const { dy, x, y, gamma, stats } = args.inputs as unknown as Record<string, Info>;
  const { relu, residual } = args.attrs as unknown as { relu: boolean; residual: boolean };
  const { n, c } = rowsAndChannels(x.shape);
  const backend = args.backend;
  const uniforms = `${SHAPE_UNIFORMS} count : i32,`;
  const values = (count: number) => [int(n), int(c), int(count)];
  // The programs' layouts are explicit (webgpu_multi_output.ts): y is bound, unread, without
  // ReLU.
  const [dgamma, dbeta] = runMultiOutput(
    backend,
    {
      key: `bnActReduce_${+relu}`,
      outputs: ["dgamma", "dbeta"],
      inputs: ["dy", "y", "x", "stats"],
      uniforms,
      groupThreads: CHANNEL_THREADS,
      prelude: PARTIALS,
      body: reductionBody(relu),
    },
    [dy, y, x, stats],
    [[c], [c]],
    c,
    values(c),
  );
  // With ReLU and a residual, dz (the masked dy that dx's body already computes as g) is a
  // second output of the same dispatch where the device allows its 9th storage buffer.
  const withDz = residual && relu && storageBuffersPerStage(backend) >= DX_AND_DZ_BUFFERS;
  const [dx, dzWithDx] = runMultiOutput(
    backend,
    {
      key: `bnActDx_${+relu}_${+withDz}`,
      outputs: withDz ? ["dx", "dz"] : ["dx"],
      inputs: ["dy", "y", "x", "stats", "gamma", "dgamma", "dbeta"],
      uniforms,
      body: dxBody(relu) + (withDz ? "\n  dz[j] = g;" : ""),
    },
    [dy, y, x, stats, gamma, dgamma, dbeta],
    withDz ? [x.shape, x.shape] : [x.shape],
    n * c,
    values(n * c),
  );
  if (withDz) return [dx, dgamma, dbeta, dzWithDx];
  if (!residual) return [dx, dgamma, dbeta];
  if (!relu) {
    // dz is dy: share its data, as tf.js' own Identity kernel does
    (backend as unknown as { incRef(id: tf.DataId): void }).incRef(dy.dataId);
    return [dx, dgamma, dbeta, { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype }];
  }
  // Its own dispatch on a device at WebGPU's guaranteed 8 storage buffers.
  const dz = runProgram(
    backend,
    flatProgram("bnActDz", [...x.shape], ["dy", "y"], DZ, { uniforms: SHAPE_UNIFORMS }),
    [dy, y],
    [int(n), int(c)],
  );
  return [dx, dgamma, dbeta, dz];
}

registerOnce(BATCH_NORM_ACTIVATION_KERNEL, "webgpu", forward as unknown as tf.KernelFunc);
registerOnce(BATCH_NORM_ACTIVATION_GRAD_KERNEL, "webgpu", backward as unknown as tf.KernelFunc);
