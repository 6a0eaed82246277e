/**
 * The rules a training configuration must meet before its first step, in one place: `train`
 * checks its options with them and a grid (a preset or a user's JSON file) checks every
 * cell with them, so a configuration that one refuses up front never reaches the other as
 * error rows after hours of work.
 *
 * @module
 */
import type { ModelKind } from "../models/types.ts";
import { resnetBlocksPerStage } from "../models/resnet_depth.ts";

/**
 * Upper bounds, each far above any preset (paper: ResNet-110 of width 16, batch 16384, 90
 * epochs) so that only a typo meets them.
 *
 * `parameters`: a model may hold at most 100 million parameters. Why: float32 weights take 4
 * bytes each, and a training step holds the weights, their gradients and up to two optimizer
 * slots (LAMB's moments), 16 bytes a parameter: 1.6 GB before any activation, which a worker
 * of an 8 GB machine can still hold. The largest model of the benchmarks, an MLP of depth 16
 * and width 1024, has 17 million; `depths: [1000]` at width 4096 would have 16.8 billion
 * (268 GB), which used to grow to 4.8 GB before ending as an error row.
 */
export const TRAIN_LIMITS = {
  depth: 1000,
  width: 4096,
  parameters: 100_000_000,
  epochs: 10_000,
  steps: 10_000_000,
} as const;

/** Inputs of the largest data set (CIFAR-10, 32 x 32 x 3), for {@link estimateParameters}. */
const MAX_INPUT = { height: 32, width: 32, channels: 3, classes: 10 } as const;

/**
 * An upper estimate of the trainable parameters of a model of `kind`, `depth` and `width` on
 * the largest input (CIFAR-10) without building it: the kernels, plus BN's two vectors and
 * the head. ResNet's stages widen to 4 x `width`; every block is counted at that width.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { estimateParameters } from "./limits.ts";
 * // MLP depth 2, width 8: 3072*8 + 8*8 kernels, 2 * 2*8 BN, 8*10 + 10 head.
 * assertEquals(estimateParameters("mlp", 2, 8), 24576 + 64 + 32 + 90);
 * ```
 */
export function estimateParameters(kind: ModelKind, depth: number, width: number): number {
  const { height, width: cols, channels, classes } = MAX_INPUT;
  const widest = kind === "resnet" ? 4 * width : width;
  const first = kind === "mlp" ? height * cols * channels * width : 9 * channels * width;
  const perLayer = kind === "mlp" ? width * width : 9 * widest * widest;
  return first + (depth - 1) * perLayer + depth * 2 * widest + widest * classes + classes;
}

/**
 * What is wrong with a model of `kind`, `depth` and `width`, as one phrase naming the value
 * and what is allowed, or undefined when nothing is.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { modelProblem } from "./limits.ts";
 * assertEquals(modelProblem("resnet", 20, 16), undefined);
 * assertEquals(modelProblem("resnet", 5, 16), "resnet depth 5 is not allowed; expected 6n + 2 with n >= 1 (8, 14, 20, 32, ...)");
 * ```
 */
export function modelProblem(kind: ModelKind, depth: number, width: number): string | undefined {
  const L = TRAIN_LIMITS;
  if (!Number.isInteger(depth) || depth < 1 || depth > L.depth) {
    return `depth ${depth} is not allowed; expected an integer from 1 to ${L.depth}`;
  }
  if (!Number.isInteger(width) || width < 1 || width > L.width) {
    return `width ${width} is not allowed; expected an integer from 1 to ${L.width}`;
  }
  if (kind === "resnet") {
    try {
      resnetBlocksPerStage(depth);
    } catch {
      return `resnet depth ${depth} is not allowed; expected 6n + 2 with n >= 1 (8, 14, 20, 32, ...)`;
    }
  }
  const parameters = estimateParameters(kind, depth, width);
  if (parameters > L.parameters) {
    return `a ${kind} of depth ${depth} and width ${width} has about ` +
      `${(parameters / 1e6).toFixed(0)} million parameters; at most ${L.parameters / 1e6} ` +
      `million are allowed (16 bytes each while training): lower the depth or the width`;
  }
  return undefined;
}

/**
 * Why batch size `batchSize` is not allowed on a training split of `trainCount` samples of
 * `dataset` (a batch cannot be larger than the split), or undefined when it is allowed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { batchProblem } from "./limits.ts";
 * assertEquals(batchProblem(64, 100, "synthetic"), undefined);
 * assertEquals(batchProblem(512, 100, "synthetic"), "synthetic has 100 training samples");
 * ```
 */
export function batchProblem(
  batchSize: number,
  trainCount: number,
  dataset: string,
): string | undefined {
  return batchSize > trainCount ? `${dataset} has ${trainCount} training samples` : undefined;
}
