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
 * With few rows ({@link ONE_DISPATCH_ROWS}: an MLP's batch) and a device that allows the
 * storage buffers, **one dispatch each way**: the per-channel workgroup that reduced a channel
 * also writes that channel's elementwise outputs. Same expressions, same reduction tree: the
 * same bits as the two dispatches (tested). With many rows ({@link BLOCKED_ROWS}: a CNN's
 * batch x height x width), the per-channel reductions go **by blocks of rows**
 * (./webgpu_blocked.ts: coalesced, hundreds of workgroups, then a fold per channel), three
 * dispatches each way.
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
import { flatProgram, MAIN, runProgram } from "../webgpu.ts";
import { runMultiOutput } from "../webgpu_multi_output.ts";
import { workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
import { type BatchNormActivationAttrs, rowsAndChannels } from "./host.ts";
import { blockedGammaBeta, blockedStatistics } from "./webgpu_blocked.ts";
import {
  CHANNEL_THREADS,
  dzOf,
  int,
  PARTIALS,
  SHAPE_UNIFORMS,
  STATS_UNIFORMS,
  statsUniformValues,
  WRITE_STATS_AND_MOVING,
} from "./webgpu_wgsl.ts";

type Info = tf.TensorInfo;

/** Storage buffers of `dx` and `dz` in one program: 2 outputs and 7 inputs. */
const DX_AND_DZ_BUFFERS = 9;

/**
 * Rows (batch x height x width) up to which BN runs as one dispatch each way, where the
 * device allows its storage buffers (forward: 4 outputs and 5 inputs, 6 with a residual;
 * backward: 3 outputs, 4 with `dz`, and 5 inputs). A workgroup per channel then also walks
 * its channel's rows to write them, at most 4 per thread at 1024 rows: a few memory latencies,
 * against a dispatch the host must record (about 135 us a dispatch of a small MLP's step in
 * Deno on the CI-kind machine with lavapipe; a raw dispatch cost 10 us on the H200). Past it
 * the elementwise half gets a thread per element of its own dispatch, as a CNN's rows (batch x
 * 32 x 32) need: a reasoned bound, not yet timed on a GPU.
 */
export const ONE_DISPATCH_ROWS = 1024;

/**
 * Rows past which the per-channel reductions go by blocks of rows (./webgpu_blocked.ts: two
 * dispatches each way where the per-channel program takes one). Up to it a workgroup per
 * channel walks at most 128 rows a thread; past it, the latency of one strided load after
 * another, in as few workgroups as there are channels, outweighs a dispatch: a reasoned bound,
 * not yet timed on a GPU.
 */
export const BLOCKED_ROWS = 32768;

/**
 * The row bounds in force (tests move them to run every shape one way, and compare).
 */
export const bnDispatching: { oneDispatchRows: number; blockedRows: number } = {
  oneDispatchRows: ONE_DISPATCH_ROWS,
  blockedRows: BLOCKED_ROWS,
};

/** Whether `n` rows go as one dispatch on a device allowing `buffers` storage buffers. */
function oneDispatch(backend: tf.KernelBackend, n: number, buffers: number): boolean {
  return n <= bnDispatching.oneDispatchRows && storageBuffersPerStage(backend) >= buffers;
}

/** The device's storage buffers per shader stage (src/backend/webgpu_device.ts raises it). */
function storageBuffersPerStage(backend: tf.KernelBackend): number {
  return (backend as unknown as { device: GPUDevice }).device.limits
    .maxStorageBuffersPerShaderStage;
}

/**
 * Per channel `w` (a workgroup of {@link CHANNEL_THREADS} each, thread `t` striding over the
 * rows): `mean` and `invStd` = `1 / sqrt(biased variance + eps)` (the centered variance, a
 * second pass over the rows, so large means do not cancel), held by every thread. A thread per
 * channel looping over every row, as before, left a GPU all but idle: a CIFAR ResNet's first
 * stage at batch 1024 is 16 channels of 1,048,576 rows.
 */
const CHANNEL_STATISTICS = `let c = uniforms.c;
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
  let invStd = 1.0 / sqrt(partB[0] / f32(n) + uniforms.eps);`;

/** {@link CHANNEL_STATISTICS}, then the statistics and running statistics. */
const STATS_AND_MOVING = `${CHANNEL_STATISTICS}
  ${WRITE_STATS_AND_MOVING}`;

/** Loops thread `t` of channel `w`'s workgroup over the channel's elements `j`. */
const overChannelRows = (body: string) =>
  `for (var i = t; i < uniforms.n; i = i + ${CHANNEL_THREADS}) {
    let j = i * c + w;
    ${body}
  }`;

/**
 * `out[at]`: the normalization of `x[at]` in channel `ch` by `mean` and `invStd`, the optional
 * residual and ReLU.
 */
function normalized(
  out: string,
  at: string,
  ch: string,
  mean: string,
  invStd: string,
  residual: boolean,
  relu: boolean,
): string {
  return `var z = (x[${at}] - ${mean}) * (gamma[${ch}] * ${invStd}) + beta[${ch}];
  ${residual ? `z = z + residual[${at}];` : ""}
  ${out}[${at}] = ${relu ? "max(z, 0.0)" : "z"};`;
}

/** `y`, elementwise, from the statistics a dispatch before wrote. */
function outputBody(residual: boolean, relu: boolean): string {
  return `${MAIN} {
  if (index >= uniforms.size) { return; }
  let c = uniforms.c;
  let j = index % c;
  ${normalized("result", "index", "j", "stats[j]", "stats[c + j]", residual, relu)}
}`;
}

/** Statistics, running statistics and `y` of channel `w`, all in its workgroup. */
const oneDispatchForward = (residual: boolean, relu: boolean) =>
  `${STATS_AND_MOVING}
  ${overChannelRows(normalized("y", "j", "w", "mean", "invStd", residual, relu))}`;

/**
 * `dgamma` and `dbeta` of channel `w` (a workgroup each, as {@link STATS_AND_MOVING}), held by
 * every thread in `partA[0]` and `partB[0]`.
 */
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

/**
 * `dx` of element `j` in channel `ch` from the channel's `dgamma` and `dbeta`, and with
 * `withDz` its `dz`.
 */
function dxOf(relu: boolean, withDz: boolean, ch: string, dgamma: string, dbeta: string): string {
  return `let invStd = stats[c + ${ch}];
  let xhat = (x[j] - stats[${ch}]) * invStd;
  let nf = f32(uniforms.n);
  let g = ${dzOf(relu, "j")};
  dx[j] = gamma[${ch}] * invStd * (g - ${dbeta} / nf - xhat * ${dgamma} / nf);
  ${withDz ? "dz[j] = g;" : ""}`;
}

/** `dx` (and `dz`) of element `j` from the `dgamma` and `dbeta` a dispatch before wrote. */
const dxBody = (relu: boolean, withDz: boolean) =>
  `let c = uniforms.c;
  let ch = j % c;
  ${dxOf(relu, withDz, "ch", "dgamma[ch]", "dbeta[ch]")}`;

/** `dgamma`, `dbeta`, then `dx` (and `dz`) of channel `w`, all in its workgroup. */
const oneDispatchBackward = (relu: boolean, withDz: boolean) =>
  `${reductionBody(relu)}
  ${overChannelRows(dxOf(relu, withDz, "w", "partA[0]", "partB[0]"))}`;

/** `dz` of every element (the residual's gradient with ReLU). */
const DZ = `${MAIN} {
  if (index >= uniforms.size) { return; }
  result[index] = ${dzOf(true, "index")};
}`;

/** Forward storage buffers of one dispatch: y, stats, both running statistics; 5 inputs. */
const ONE_FORWARD_BUFFERS = 9;

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
  const withResidual = residual !== undefined;
  const statsUniforms = [...shape, ...statsUniformValues(n, epsilon, momentum), int(c)];
  const statsProgram = {
    uniforms: `${SHAPE_UNIFORMS} ${STATS_UNIFORMS} count : i32,`,
    groupThreads: CHANNEL_THREADS,
    prelude: PARTIALS,
  };
  if (oneDispatch(backend, n, ONE_FORWARD_BUFFERS + +withResidual)) {
    return runMultiOutput(
      backend,
      {
        ...statsProgram,
        key: `bnActOne_${+withResidual}${+relu}`,
        outputs: ["y", "stats", "movingMean", "movingVariance"],
        inputs: [
          "x",
          "oldMean",
          "oldVariance",
          "gamma",
          "beta",
          ...(withResidual ? ["residual"] : []),
        ],
        body: oneDispatchForward(withResidual, relu),
      },
      [x, movingMean, movingVariance, gamma, beta, ...(withResidual ? [residual] : [])],
      [x.shape, [2, c], [c], [c]],
      c,
      statsUniforms,
    );
  }
  const [stats, newMean, newVariance] = n > bnDispatching.blockedRows
    ? blockedStatistics(backend, { x, movingMean, movingVariance }, n, c, { epsilon, momentum })
    : runMultiOutput(
      backend,
      {
        ...statsProgram,
        key: "bnActStatsMoving",
        outputs: ["stats", "movingMean", "movingVariance"],
        inputs: ["x", "oldMean", "oldVariance"],
        body: STATS_AND_MOVING,
      },
      [x, movingMean, movingVariance],
      [[2, c], [c], [c]],
      c,
      statsUniforms,
    );
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

/** Backward storage buffers of one dispatch: dx, dgamma, dbeta; 5 inputs (and dz: 9). */
const ONE_BACKWARD_BUFFERS = 8;

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
  // With ReLU and a residual, dz (the masked dy that dx's body already computes as g) is a
  // further output of dx's dispatch where the device allows the storage buffer it takes.
  const needsDz = residual && relu;
  // The programs' layouts are explicit (webgpu_multi_output.ts): y is bound, unread, without
  // ReLU.
  let dx: Info, dgamma: Info, dbeta: Info, dz: Info | undefined;
  if (oneDispatch(backend, n, ONE_BACKWARD_BUFFERS + +needsDz)) {
    [dx, dgamma, dbeta, dz] = runMultiOutput(
      backend,
      {
        key: `bnActGradOne_${+relu}_${+needsDz}`,
        outputs: ["dx", "dgamma", "dbeta", ...(needsDz ? ["dz"] : [])],
        inputs: ["dy", "y", "x", "stats", "gamma"],
        uniforms,
        groupThreads: CHANNEL_THREADS,
        prelude: PARTIALS,
        body: oneDispatchBackward(relu, needsDz),
      },
      [dy, y, x, stats, gamma],
      [x.shape, [c], [c], ...(needsDz ? [x.shape] : [])],
      c,
      values(c),
    );
  } else {
    [dgamma, dbeta] = n > bnDispatching.blockedRows
      ? blockedGammaBeta(backend, { dy, y, x, stats }, n, c, relu)
      : runMultiOutput(
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
    const withDz = needsDz && storageBuffersPerStage(backend) >= DX_AND_DZ_BUFFERS;
    [dx, dz] = runMultiOutput(
      backend,
      {
        key: `bnActDx_${+relu}_${+withDz}`,
        outputs: withDz ? ["dx", "dz"] : ["dx"],
        inputs: ["dy", "y", "x", "stats", "gamma", "dgamma", "dbeta"],
        uniforms,
        body: dxBody(relu, withDz),
      },
      [dy, y, x, stats, gamma, dgamma, dbeta],
      withDz ? [x.shape, x.shape] : [x.shape],
      n * c,
      values(n * c),
    );
  }
  if (!residual) return [dx, dgamma, dbeta];
  if (dz !== undefined) return [dx, dgamma, dbeta, dz];
  if (!relu) {
    // dz is dy: share its data, as tf.js' own Identity kernel does
    (backend as unknown as { incRef(id: tf.DataId): void }).incRef(dy.dataId);
    return [dx, dgamma, dbeta, { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype }];
  }
  // Its own dispatch on a device at WebGPU's guaranteed 8 storage buffers.
  dz = runProgram(
    backend,
    flatProgram("bnActDz", [...x.shape], ["dy", "y"], DZ, { uniforms: SHAPE_UNIFORMS }),
    [dy, y],
    [int(n), int(c)],
  );
  return [dx, dgamma, dbeta, dz];
}

registerOnce(BATCH_NORM_ACTIVATION_KERNEL, "webgpu", forward as unknown as tf.KernelFunc);
registerOnce(BATCH_NORM_ACTIVATION_GRAD_KERNEL, "webgpu", backward as unknown as tf.KernelFunc);
