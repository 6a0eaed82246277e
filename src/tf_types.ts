/**
 * The tf.js types that appear in this project's public signatures, under documented
 * aliases.
 *
 * Why: Deno 2.9's doc linter reports every npm type named directly in a public signature
 * (`tf.Tensor`, `tf.Optimizer`, ...) as a private type (denoland/deno#27364), and
 * re-exporting tf.js's own declarations would make it demand JSDoc inside tf.js. A
 * documented alias satisfies it and is the very same type for the compiler, so users pass
 * and receive ordinary tf.js objects.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** A tf.js tensor of any rank (`tf.Tensor`). */
export type Tensor = tf.Tensor;
/** A rank-0 tf.js tensor (`tf.Scalar`). */
export type Scalar = tf.Scalar;
/** A rank-1 tf.js tensor (`tf.Tensor1D`). */
export type Tensor1D = tf.Tensor1D;
/** A rank-2 tf.js tensor (`tf.Tensor2D`). */
export type Tensor2D = tf.Tensor2D;
/** A trainable tf.js variable (`tf.Variable`). */
export type Variable = tf.Variable;
/** Gradients or values keyed by variable name (`tf.NamedTensorMap`). */
export type NamedTensorMap = tf.NamedTensorMap;
/** A tf.js serialization config (`tf.serialization.ConfigDict`). */
export type ConfigDict = tf.serialization.ConfigDict;
/** A tf.js optimizer (`tf.Optimizer`), the base of every optimizer of this project. */
export type Optimizer = tf.Optimizer;
/** The constructor type of {@link Optimizer}. */
export type OptimizerConstructor = abstract new () => Optimizer;

/**
 * `tf.Optimizer` itself, typed through {@link OptimizerConstructor} so that a class that
 * extends it documents cleanly: `class ChainOptimizer extends OptimizerBase`.
 */
export const OptimizerBase: OptimizerConstructor = tf.Optimizer;
