/**
 * What the webgpu programs of batch norm share: uniform helpers, the per-channel workgroup's
 * size and memory, and the WGSL expressions more than one program must compute identically.
 *
 * @module
 */
import type { WgslUniform } from "../webgpu.ts";

/** An `i32` uniform. */
export const int = (value: number): WgslUniform => ({ type: "int32", data: [value] });

/** An `f32` uniform. */
export const float = (value: number): WgslUniform => ({ type: "float32", data: [value] });

/** Rows and channels as uniforms `n`, `c`. */
export const SHAPE_UNIFORMS = "n : i32, c : i32,";

/** Threads of a reducing workgroup (a power of two: workgroupTreeReduce). */
export const CHANNEL_THREADS = 256;

/** Workgroup memory of the reductions: two partials a thread. */
export const PARTIALS = `var<workgroup> partA : array<f32, ${CHANNEL_THREADS}>;
var<workgroup> partB : array<f32, ${CHANNEL_THREADS}>;`;

/** `dz` of one element: `dy`, masked by `y > 0` with ReLU. */
export const dzOf = (relu: boolean, at: string): string =>
  relu ? `select(0.0, dy[${at}], y[${at}] > 0.0)` : `dy[${at}]`;

/**
 * Thread 0 of channel `w`'s workgroup writes the statistics `[2, C]` (`mean`, `invStd`) and
 * both running statistics, `momentum * old + (1 - momentum) * batch` (the unbiased variance
 * recovered from invStd: `1 / invStd² - eps`). Needs `let`s `c`, `mean` and `invStd`.
 */
export const WRITE_STATS_AND_MOVING = `if (t == 0) {
    stats[w] = mean;
    stats[c + w] = invStd;
    movingMean[w] = uniforms.momentum * oldMean[w] + (1.0 - uniforms.momentum) * mean;
    movingVariance[w] = uniforms.momentum * oldVariance[w] + (1.0 - uniforms.momentum) *
      ((1.0 / (invStd * invStd) - uniforms.eps) * uniforms.unbiased);
  }`;

/** The uniform fields of the programs that write the statistics. */
export const STATS_UNIFORMS = "eps : f32, momentum : f32, unbiased : f32,";

/** Values of {@link STATS_UNIFORMS} for `n` rows. */
export const statsUniformValues = (n: number, epsilon: number, momentum: number): WgslUniform[] => [
  float(epsilon),
  float(momentum),
  float(n > 1 ? n / (n - 1) : 1),
];
