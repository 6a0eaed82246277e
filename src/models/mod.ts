/**
 * The benchmark models: MLP, plain CNN and CIFAR-style ResNet of Linear/Conv -> BN -> ReLU
 * blocks, any depth and width, as functional models (variables plus a forward function).
 *
 * @example
 * ```ts
 * import { MODEL_KINDS } from "./mod.ts";
 * console.log(MODEL_KINDS); // ["mlp", "cnn", "resnet"]
 * ```
 *
 * @module
 */
export type { ForwardResult, LayerInfo, Model, ModelKind, ModelSpec } from "./types.ts";
export { buildModel, MODEL_KINDS } from "./build.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
