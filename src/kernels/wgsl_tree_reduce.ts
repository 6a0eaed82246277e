/**
 * The workgroup reduction the WGSL programs of this folder share.
 *
 * @module
 */

/** How {@link workgroupTreeReduce} names its thread and combines two partials. */
export interface TreeReduceOptions {
  /** The WGSL name of the thread's index in its workgroup (an `i32`). Default `t`. */
  readonly thread?: string;
  /** WGSL combining two partials. Default their sum. */
  readonly combine?: (a: string, b: string) => string;
}

/**
 * WGSL that reduces each of `arrays` (workgroup arrays of `threads` f32, a power of two,
 * thread `t` having written its partial at `[t]`) into its `[0]`, by halves: the same tree,
 * so the same bits, wherever it is used. Every thread of the workgroup must reach it
 * (workgroup barriers: uniform control flow); after it, `[0]` is readable by all.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { workgroupTreeReduce } from "./wgsl_tree_reduce.ts";
 * const wgsl = workgroupTreeReduce(["part"], 4);
 * assertEquals(wgsl.includes("part[t] = part[t] + part[t + stride];"), true);
 * ```
 */
export function workgroupTreeReduce(
  arrays: readonly string[],
  threads: number,
  options: TreeReduceOptions = {},
): string {
  const t = options.thread ?? "t";
  const combine = options.combine ?? ((a, b) => `${a} + ${b}`);
  const steps = arrays.map((a) => `${a}[${t}] = ${combine(`${a}[${t}]`, `${a}[${t} + stride]`)};`)
    .join("\n      ");
  return workgroupTree(threads, steps, t);
}

/**
 * WGSL of the tree {@link workgroupTreeReduce} walks, for partials that combine jointly (a
 * count, a mean and a sum of squares): a barrier, then for `stride` = `threads / 2`, ..., 1
 * each thread `thread < stride` runs `statements` (which fold `[thread + stride]` into
 * `[thread]`), and a barrier after each level. The same uniformity rule holds.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { workgroupTree } from "./wgsl_tree_reduce.ts";
 * const wgsl = workgroupTree(8, "a[t] = max(a[t], a[t + stride]);");
 * assertEquals(wgsl.includes("for (var stride = 4; stride > 0;"), true);
 * ```
 */
export function workgroupTree(threads: number, statements: string, thread = "t"): string {
  if (!Number.isInteger(Math.log2(threads))) {
    throw new Error(`workgroupTree: ${threads} threads; allowed: a power of two`);
  }
  return `workgroupBarrier();
  for (var stride = ${threads / 2}; stride > 0; stride = stride / 2) {
    if (${thread} < stride) {
      ${statements}
    }
    workgroupBarrier();
  }`;
}
