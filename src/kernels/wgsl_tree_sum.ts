/**
 * The workgroup reduction the WGSL programs of this folder share.
 *
 * @module
 */

/**
 * WGSL that sums each of `arrays` (workgroup arrays of `threads` f32, a power of two, thread
 * `t` having written its partial at `[t]`) into its `[0]`, by halves: the same tree, so the
 * same bits, wherever it is used. Every thread of the workgroup must reach it (workgroup
 * barriers: uniform control flow); after it, `[0]` is readable by all.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { workgroupTreeSum } from "./wgsl_tree_sum.ts";
 * assertEquals(workgroupTreeSum(["part"], 4).includes("part[t] = part[t] + part[t + stride];"), true);
 * ```
 */
export function workgroupTreeSum(arrays: readonly string[], threads: number): string {
  if (!Number.isInteger(Math.log2(threads))) {
    throw new Error(`workgroupTreeSum: ${threads} threads; allowed: a power of two`);
  }
  const adds = arrays.map((a) => `${a}[t] = ${a}[t] + ${a}[t + stride];`).join("\n      ");
  return `workgroupBarrier();
  for (var stride = ${threads / 2}; stride > 0; stride = stride / 2) {
    if (t < stride) {
      ${adds}
    }
    workgroupBarrier();
  }`;
}
