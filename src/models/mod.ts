/**
 * The benchmark models: MLP, plain CNN and CIFAR-style ResNet of Linear/Conv -> BN -> ReLU
 * blocks, any depth and width, as functional models (variables plus a forward function).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel, MODEL_KINDS } from "./mod.ts";
 * assertEquals(MODEL_KINDS, ["mlp", "cnn", "resnet"]);
 * await useBackend("cpu");
 * const cnn = buildModel({ kind: "cnn", depth: 2, width: 4, seed: 0 }, [8, 8, 1], 10);
 * assertEquals(cnn.forward(tf.ones([3, 8, 8, 1]), { training: false }).logits.shape, [3, 10]);
 * cnn.dispose();
 * ```
 *
 * @module
 */
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "./types.ts";
export { buildModel } from "./build.ts";
export { MODEL_KINDS } from "./types.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
