/**
 * The contract every model of this project follows.
 *
 * Models are functional (variables plus a forward function), not `tf.LayersModel`s: the
 * training loop needs the per-layer weights by name, batch statistics under its own control
 * and the activations for the diagnostics.
 *
 * @module
 */
import type { Tensor, Tensor2D, Variable } from "../tf_types.ts";

/**
 * The model families of the benchmark, as values (a grid's validation needs them without
 * loading tf.js, so they live here rather than beside the builders).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { MODEL_KINDS } from "./types.ts";
 * assertEquals(MODEL_KINDS, ["mlp", "cnn", "resnet"]);
 * ```
 */
export const MODEL_KINDS = ["mlp", "cnn", "resnet"] as const;

/** One of {@link MODEL_KINDS}. */
export type ModelKind = typeof MODEL_KINDS[number];

/** What to build. */
export interface ModelSpec {
  /** Family. */
  readonly kind: ModelKind;
  /** Number of Linear/Conv -> BN -> ReLU blocks (for `resnet`: total depth 6n+2). */
  readonly depth: number;
  /** Hidden width (MLP units, or CNN/ResNet base channels). */
  readonly width: number;
  /** Seed of the He initialization. */
  readonly seed: number;
  /** Turn batch normalization off (the diagnostics' control). Default false. */
  readonly batchNorm?: boolean;
  /** Activation; `linear` is the diagnostics' no-ReLU control. Default `relu`. */
  readonly activation?: "relu" | "linear";
}

/** One weight layer (dense or conv), in forward order. */
export interface LayerInfo {
  /** Layer name without the model prefix, e.g. `block03/dense`. */
  readonly name: string;
  /** The layer's kernel variable. */
  readonly kernel: Variable;
}

/** The result of a forward pass. */
export interface ForwardResult {
  /** Logits `[batch, numClasses]`. */
  readonly logits: Tensor2D;
  /** Post-activation output of each block, in forward order (only when asked for). */
  readonly activations?: Tensor[];
}

/** A model: trainable variables plus a forward function. */
export interface Model {
  /** Unique prefix of every variable name (variable names must be globally unique in tf.js). */
  readonly name: string;
  /** What was built. */
  readonly spec: ModelSpec;
  /**
   * Trainable variables in forward order, named `${name}/${layer}/${role}` with role one of
   * `kernel`, `bias`, `gamma`, `beta`.
   */
  readonly params: Variable[];
  /** BN running statistics (not trainable). */
  readonly state: Variable[];
  /** Weight layers (dense/conv kernels) in forward order, including the classifier last. */
  readonly layers: LayerInfo[];
  /**
   * Forward pass. `training: true` normalizes with batch statistics and updates the running
   * statistics; `false` uses the running statistics.
   */
  forward(
    x: Tensor,
    options: { training: boolean; keepActivations?: boolean },
  ): ForwardResult;
  /** Disposes every variable. */
  dispose(): void;
}
