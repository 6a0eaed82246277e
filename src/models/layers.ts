/**
 * The building blocks the models share: a weight layer followed by BN (or a bias when BN is
 * off) and the activation, plus the classifier head.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ModelSpec } from "./types.ts";
import { batchNorm } from "./batch_norm.ts";
import { batchNormActivation } from "../kernels/batch_norm_act/op.ts";
import type { BatchNormParams, ParamStore } from "./params.ts";

/**
 * What follows a weight layer: BN when `spec.batchNorm` is not false, else a bias. The weight
 * layer itself has no bias when BN follows: BN subtracts the batch mean, so a bias there would
 * be a parameter with zero gradient that costs a kernel per step.
 */
export type Norm = { readonly bn: BatchNormParams } | { readonly bias: tf.Variable };

/**
 * Creates the norm variables of a block: `${layer}/bn` gamma/beta (+ running stats) with BN,
 * `${weightLayer}/bias` without.
 */
export function makeNorm(
  store: ParamStore,
  spec: ModelSpec,
  block: string,
  weightLayer: string,
  channels: number,
  bnName = "bn",
): Norm {
  return spec.batchNorm === false
    ? { bias: store.bias(`${block}/${weightLayer}`, channels) }
    : { bn: store.batchNorm(`${block}/${bnName}`, channels) };
}

/** Applies a {@link Norm}. */
export function applyNorm(h: tf.Tensor, norm: Norm, training: boolean): tf.Tensor {
  return "bn" in norm ? batchNorm(h, norm.bn, training) : tf.add(h, norm.bias);
}

/** Applies the spec's activation (`relu` by default, or `linear`). */
export function activate(h: tf.Tensor, spec: ModelSpec): tf.Tensor {
  return spec.activation === "linear" ? h : tf.relu(h);
}

/**
 * {@link applyNorm}, plus `residual` when given, then {@link activate}. In training mode
 * with BN it is one fused op (src/kernels/batch_norm_act: one kernel forward and one
 * backward where the backend has them, else the same math from tf.js ops).
 */
export function normActivate(
  h: tf.Tensor,
  norm: Norm,
  spec: ModelSpec,
  training: boolean,
  residual?: tf.Tensor,
): tf.Tensor {
  if ("bn" in norm && training) {
    return batchNormActivation(h, norm.bn, { relu: spec.activation !== "linear", residual });
  }
  const normed = applyNorm(h, norm, training);
  return activate(residual === undefined ? normed : tf.add(normed, residual), spec);
}

/** A 3x3 `same` convolution, NHWC. */
export function conv3x3(h: tf.Tensor, kernel: tf.Variable, stride = 1): tf.Tensor4D {
  return tf.conv2d(h as tf.Tensor4D, kernel as tf.Tensor4D, stride, "same");
}

/** The classifier head's variables: a He-initialized kernel and a zero bias. */
export interface Head {
  /** `[features, numClasses]`. */
  readonly kernel: tf.Variable;
  /** `[numClasses]`. */
  readonly bias: tf.Variable;
}

/** Creates `head/dense` (kernel and bias). */
export function makeHead(store: ParamStore, features: number, numClasses: number): Head {
  return {
    kernel: store.kernel("head/dense", [features, numClasses], features),
    bias: store.bias("head/dense", numClasses),
  };
}

/** Logits of the head for `[batch, features]` inputs. */
export function applyHead(h: tf.Tensor, head: Head): tf.Tensor2D {
  return tf.add(tf.matMul(h as tf.Tensor2D, head.kernel as tf.Tensor2D), head.bias) as tf.Tensor2D;
}
