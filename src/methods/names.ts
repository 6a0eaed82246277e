/**
 * The names of the methods the benchmark compares; their recipes are in `recipes.ts`.
 *
 * @module
 */

/**
 * The methods the benchmark compares, in the order tables list them.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { METHODS } from "@lalc/large-batch/suite";
 * assertEquals(METHODS[0], "lalc");
 * ```
 */
export const METHODS = ["lalc", "lars", "lamb", "linear-scaling", "warmup"] as const;

/** One of {@link METHODS}. */
export type MethodName = typeof METHODS[number];
