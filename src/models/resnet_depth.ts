/**
 * The depths a CIFAR ResNet may have, without tf.js: `resnet.ts` builds with it and the
 * configuration checks of `src/train/limits.ts` refuse other depths with it.
 *
 * @module
 */

/**
 * The number of blocks per stage for a ResNet of total depth `depth` (= 6n + 2).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * import { resnetBlocksPerStage } from "./resnet_depth.ts";
 * assertEquals(resnetBlocksPerStage(20), 3);
 * throws(() => resnetBlocksPerStage(5), /6n \+ 2/);
 * ```
 */
/** The number of blocks per stage for a ResNet of total depth `depth` (= 6n + 2). */
export function resnetBlocksPerStage(depth: number): number {
  const n = (depth - 2) / 6;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`resnet depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, ...), got ${depth}`);
  }
  return n;
}
