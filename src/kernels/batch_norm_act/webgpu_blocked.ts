/**
 * Batch norm's per-channel reductions on webgpu for many rows (a CNN's batch x height x
 * width), by blocks of rows: each workgroup reduces a block of rows for a group of adjacent
 * channels, its threads reading consecutive channels of a row (the NHWC layout keeps them
 * side by side: coalesced reads), then a workgroup per channel folds the blocks' partials in a
 * fixed order. Two dispatches where the per-channel program takes one, for the parallelism it
 * lacks: a CIFAR ResNet's first stage at batch 1024 is 16 channels of 1,048,576 rows, which a
 * workgroup per channel covers with 16 workgroups, each thread walking 4,096 rows at a stride of
 * 16 floats, one dependent load after another; by blocks it is 256 workgroups of coalesced
 * reads.
 *
 * Forward, a block's statistics are its mean and its sum of squared deviations from that mean
 * (two passes over the block, so large means do not cancel); the blocks combine by Chan et al.'s
 * pairwise update (count, mean, M2) along a tree. Backward, `dgamma` and `dbeta` are plain sums.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { runMultiOutput } from "../webgpu_multi_output.ts";
import { workgroupTree, workgroupTreeReduce } from "../wgsl_tree_reduce.ts";
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

/** The most blocks a channel's rows are cut into: one partial per thread of the fold. */
const MAX_BLOCKS = CHANNEL_THREADS;

/**
 * Rows each thread walks in a block, at least. 16: enough reads in flight per thread to hide a load's latency behind the others,
 * few enough that the blocks outnumber a GPU's multiprocessors: a reasoned value, not yet
 * timed on a GPU.
 */
export const ROWS_PER_THREAD = 16;

/** The {@link ROWS_PER_THREAD} in force (tests set 1 to cut small shapes into many blocks). */
export const bnBlocking: { rowsPerThread: number } = { rowsPerThread: ROWS_PER_THREAD };

/** How {@link blockedStatistics} and {@link blockedGammaBeta} cut `n` rows of `c` channels. */
export interface RowBlocks {
  /** Adjacent channels a workgroup reduces (`min(c, 256)`). */
  readonly channelsPerGroup: number;
  /** Threads per channel in a workgroup, each walking every `lanes`-th row of the block. */
  readonly lanes: number;
  /** Groups of channels: `ceil(c / channelsPerGroup)`. */
  readonly channelGroups: number;
  /** Rows per block (the last block may have fewer). */
  readonly rowsPerBlock: number;
  /** Blocks of rows, at most 256; none empty. */
  readonly blocks: number;
}

/**
 * The cut of `n` rows (at least 1) of `c` channels into blocks.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { rowBlocks } from "./webgpu_blocked.ts";
 * // A CIFAR ResNet's first stage at batch 1024: 16 channels, 1,048,576 rows.
 * assertEquals(rowBlocks(1_048_576, 16), {
 *   channelsPerGroup: 16, lanes: 16, channelGroups: 1, rowsPerBlock: 4096, blocks: 256,
 * });
 * ```
 */
export function rowBlocks(
  n: number,
  c: number,
  rowsPerThread = bnBlocking.rowsPerThread,
): RowBlocks {
  const channelsPerGroup = Math.min(c, CHANNEL_THREADS);
  const lanes = Math.floor(CHANNEL_THREADS / channelsPerGroup);
  const wanted = Math.min(MAX_BLOCKS, Math.max(1, Math.ceil(n / (lanes * rowsPerThread))));
  const rowsPerBlock = Math.ceil(n / wanted);
  return {
    channelsPerGroup,
    lanes,
    channelGroups: Math.ceil(c / channelsPerGroup),
    rowsPerBlock,
    blocks: Math.ceil(n / rowsPerBlock),
  };
}

/** Uniform fields of the block programs, after {@link SHAPE_UNIFORMS}. */
const BLOCK_UNIFORMS = "rows : i32, cw : i32, lanes : i32, channelGroups : i32, count : i32,";

/** Values of {@link SHAPE_UNIFORMS} and {@link BLOCK_UNIFORMS}. */
const blockUniformValues = (n: number, c: number, cut: RowBlocks) => [
  int(n),
  int(c),
  int(cut.rowsPerBlock),
  int(cut.channelsPerGroup),
  int(cut.lanes),
  int(cut.channelGroups),
  int(cut.channelGroups * cut.blocks),
];

/**
 * Thread `t` of block workgroup `w`: its channel `ch`, block `b`, and the rows `first`,
 * `first + lanes`, ... below `end` it walks (none for a thread past the last lane or channel:
 * it still reaches every barrier).
 */
const BLOCK_THREAD = `let c = uniforms.c;
  let cw = uniforms.cw;
  let lane = t / cw;
  let ch = (w % uniforms.channelGroups) * cw + t % cw;
  let b = w / uniforms.channelGroups;
  let start = b * uniforms.rows;
  let end = min(uniforms.n, start + uniforms.rows);
  let first = select(end, start + lane, lane < uniforms.lanes && ch < c);`;

/**
 * The sum over the lanes of channel `t` (`t < cw`: the thread of lane 0) of `array`, in lane
 * order, as `let name`. Inside `if (t < cw)`, after a barrier.
 */
const laneSum = (array: string, name: string) =>
  `var ${name} = 0.0;
    for (var k = 0; k < uniforms.lanes; k = k + 1) { ${name} = ${name} + ${array}[t + k * cw]; }`;

/** Forward, per block: `partMean` and `partM2` `[blocks, C]`. */
const STATS_BLOCK = `${BLOCK_THREAD}
  var sum = 0.0;
  for (var r = first; r < end; r = r + uniforms.lanes) { sum = sum + x[r * c + ch]; }
  partA[t] = sum;
  workgroupBarrier();
  if (t < cw) {
    ${laneSum("partA", "blockSum")}
    partB[t] = blockSum / f32(end - start);
  }
  workgroupBarrier();
  let mean = partB[t % cw];
  var squares = 0.0;
  for (var r = first; r < end; r = r + uniforms.lanes) {
    let d = x[r * c + ch] - mean;
    squares = squares + d * d;
  }
  partA[t] = squares;
  workgroupBarrier();
  if (t < cw && ch < c) {
    ${laneSum("partA", "blockM2")}
    partMean[b * c + ch] = mean;
    partM2[b * c + ch] = blockM2;
  }`;

/**
 * Chan et al.'s pairwise update of (count, mean, M2) at `[t]` by `[t + stride]`: the mean of
 * the union, and its sum of squared deviations.
 */
const CHAN_COMBINE = `let na = partN[t];
      let nb = partN[t + stride];
      if (nb > 0.0) {
        let nn = na + nb;
        let delta = partA[t + stride] - partA[t];
        partA[t] = partA[t] + delta * (nb / nn);
        partB[t] = partB[t] + partB[t + stride] + delta * delta * (na * nb / nn);
        partN[t] = nn;
      }`;

/** Forward, per channel `w`: the blocks folded, then the statistics and running statistics. */
const STATS_FOLD = `let c = uniforms.c;
  partN[t] = 0.0;
  partA[t] = 0.0;
  partB[t] = 0.0;
  if (t < uniforms.blocks) {
    partN[t] = f32(min(uniforms.rows, uniforms.n - t * uniforms.rows));
    partA[t] = partMean[t * c + w];
    partB[t] = partM2[t * c + w];
  }
  ${workgroupTree(CHANNEL_THREADS, CHAN_COMBINE)}
  let mean = partA[0];
  let invStd = 1.0 / sqrt(partB[0] / f32(uniforms.n) + uniforms.eps);
  ${WRITE_STATS_AND_MOVING}`;

/** Backward, per block: `partGamma` and `partBeta` `[blocks, C]`. */
const gammaBetaBlock = (relu: boolean) =>
  `${BLOCK_THREAD}
  let cs = min(ch, c - 1);
  let mean = stats[cs];
  let invStd = stats[c + cs];
  var sumGamma = 0.0;
  var sumBeta = 0.0;
  for (var r = first; r < end; r = r + uniforms.lanes) {
    let k = r * c + ch;
    let g = ${dzOf(relu, "k")};
    sumGamma = sumGamma + g * (x[k] - mean) * invStd;
    sumBeta = sumBeta + g;
  }
  partA[t] = sumGamma;
  partB[t] = sumBeta;
  workgroupBarrier();
  if (t < cw && ch < c) {
    ${laneSum("partA", "blockGamma")}
    ${laneSum("partB", "blockBeta")}
    partGamma[b * c + ch] = blockGamma;
    partBeta[b * c + ch] = blockBeta;
  }`;

/** Backward, per channel `w`: the blocks' sums folded into `dgamma` and `dbeta`. */
const GAMMA_BETA_FOLD = `let c = uniforms.c;
  partA[t] = 0.0;
  partB[t] = 0.0;
  if (t < uniforms.blocks) {
    partA[t] = partGamma[t * c + w];
    partB[t] = partBeta[t * c + w];
  }
  ${workgroupTreeReduce(["partA", "partB"], CHANNEL_THREADS)}
  if (t == 0) {
    dgamma[w] = partA[0];
    dbeta[w] = partB[0];
  }`;

/**
 * Runs a block program: a workgroup per group of channels and block of rows, writing two
 * partials `[blocks, C]`.
 */
function runBlocks(
  backend: tf.KernelBackend,
  program: { key: string; outputs: string[]; inputs: string[]; body: string },
  inputs: Info[],
  n: number,
  c: number,
  cut: RowBlocks,
): Info[] {
  return runMultiOutput(
    backend,
    {
      ...program,
      uniforms: `${SHAPE_UNIFORMS} ${BLOCK_UNIFORMS}`,
      groupThreads: CHANNEL_THREADS,
      prelude: PARTIALS,
    },
    inputs,
    [[cut.blocks, c], [cut.blocks, c]],
    cut.channelGroups * cut.blocks,
    blockUniformValues(n, c, cut),
  );
}

/** Frees what the backend made for a dispatch already recorded (released at its submit). */
function disposeAll(backend: tf.KernelBackend, infos: readonly Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * Forward reductions of `x` (`n` rows of `c` channels, `n` >= 1): the statistics `[2, C]`
 * (mean, invStd) and the new running mean and variance, as the per-channel program writes
 * them, in two dispatches.
 */
export function blockedStatistics(
  backend: tf.KernelBackend,
  inputs: { x: Info; movingMean: Info; movingVariance: Info },
  n: number,
  c: number,
  attrs: { epsilon: number; momentum: number },
): Info[] {
  const cut = rowBlocks(n, c);
  const partials = runBlocks(
    backend,
    {
      key: "bnActBlockStats",
      outputs: ["partMean", "partM2"],
      inputs: ["x"],
      body: STATS_BLOCK,
    },
    [inputs.x],
    n,
    c,
    cut,
  );
  const folded = runMultiOutput(
    backend,
    {
      key: "bnActFoldStats",
      outputs: ["stats", "movingMean", "movingVariance"],
      inputs: ["partMean", "partM2", "oldMean", "oldVariance"],
      uniforms: `${SHAPE_UNIFORMS} rows : i32, blocks : i32, ${STATS_UNIFORMS} count : i32,`,
      groupThreads: CHANNEL_THREADS,
      prelude: `${PARTIALS}
var<workgroup> partN : array<f32, ${CHANNEL_THREADS}>;`,
      body: STATS_FOLD,
    },
    [...partials, inputs.movingMean, inputs.movingVariance],
    [[2, c], [c], [c]],
    c,
    [
      int(n),
      int(c),
      int(cut.rowsPerBlock),
      int(cut.blocks),
      ...statsUniformValues(n, attrs.epsilon, attrs.momentum),
      int(c),
    ],
  );
  disposeAll(backend, partials);
  return folded;
}

/**
 * Backward reductions (`n` >= 1 rows of `c` channels): `dgamma` and `dbeta`, as the
 * per-channel program writes them, in two dispatches.
 */
export function blockedGammaBeta(
  backend: tf.KernelBackend,
  inputs: { dy: Info; y: Info; x: Info; stats: Info },
  n: number,
  c: number,
  relu: boolean,
): Info[] {
  const cut = rowBlocks(n, c);
  const partials = runBlocks(
    backend,
    {
      key: `bnActBlockGammaBeta_${+relu}`,
      outputs: ["partGamma", "partBeta"],
      inputs: ["dy", "y", "x", "stats"],
      body: gammaBetaBlock(relu),
    },
    [inputs.dy, inputs.y, inputs.x, inputs.stats],
    n,
    c,
    cut,
  );
  const folded = runMultiOutput(
    backend,
    {
      key: "bnActFoldGammaBeta",
      outputs: ["dgamma", "dbeta"],
      inputs: ["partGamma", "partBeta"],
      uniforms: `${SHAPE_UNIFORMS} blocks : i32, count : i32,`,
      groupThreads: CHANNEL_THREADS,
      prelude: PARTIALS,
      body: GAMMA_BETA_FOLD,
    },
    partials,
    [[c], [c]],
    c,
    [int(n), int(c), int(cut.blocks), int(c)],
  );
  disposeAll(backend, partials);
  return folded;
}
