/**
 * Creates a model's named variables: He-initialized kernels, zero/one vectors, BN state.
 *
 * Initialization is done on the CPU with the project's own seeded generator, one stream per
 * layer seeded by `(spec.seed, layer name)`: the same seed gives bit-identical weights on every
 * backend, and a layer's weights do not depend on the other layers (a depth-8 and a depth-16
 * MLP with the same seed share their first layers).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { LayerInfo } from "./types.ts";
import { createRng, hashSeed, normalArray } from "../data/random.ts";

/** A BN layer's variables. */
export interface BatchNormParams {
  /** Scale, initialized to 1 (trainable). */
  readonly gamma: tf.Variable;
  /** Shift, initialized to 0 (trainable). */
  readonly beta: tf.Variable;
  /** Running mean, initialized to 0 (state). */
  readonly movingMean: tf.Variable;
  /** Running variance, initialized to 1 (state). */
  readonly movingVariance: tf.Variable;
}

/**
 * Collects a model's variables as they are created, in forward order.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { ParamStore } from "./params.ts";
 * import { useBackend } from "@lalc/large-batch/backend";
 * await useBackend("cpu");
 * const store = new ParamStore("mlp9", 0);
 * const w = store.kernel("block01/dense", [4, 8], 4);
 * assertEquals([w.name, w.shape], ["mlp9/block01/dense/kernel", [4, 8]]);
 * store.dispose();
 * ```
 */
export class ParamStore {
  /** Trainable variables, in creation (forward) order. */
  readonly params: tf.Variable[] = [];
  /** Non-trainable variables (BN running statistics). */
  readonly state: tf.Variable[] = [];
  /** Weight layers, in creation (forward) order. */
  readonly layers: LayerInfo[] = [];

  /** The model's unique prefix of every variable name. */
  readonly name: string;
  /** The initialization seed. */
  readonly seed: number;

  /** Starts an empty store for model `name`, initialized from `seed`. */
  constructor(name: string, seed: number) {
    this.name = name;
    this.seed = seed;
  }

  /** Creates one variable and files it under params or state. */
  private make(
    layer: string,
    role: string,
    values: Float32Array,
    shape: number[],
    trainable: boolean,
  ): tf.Variable {
    const initial = tf.tensor(values, shape, "float32");
    const v = tf.variable(initial, trainable, `${this.name}/${layer}/${role}`);
    initial.dispose();
    (trainable ? this.params : this.state).push(v);
    return v;
  }

  /**
   * A He-normal kernel (He et al. 2015: N(0, 2 / fanIn)), registered as a weight layer.
   */
  kernel(layer: string, shape: number[], fanIn: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = createRng(hashSeed(this.seed, layer, "kernel"));
    const v = this.make(layer, "kernel", normalArray(rng, size, Math.sqrt(2 / fanIn)), shape, true);
    this.layers.push({ name: layer, kernel: v });
    return v;
  }

  /** A zero-initialized trainable bias. */
  bias(layer: string, units: number): tf.Variable {
    return this.make(layer, "bias", new Float32Array(units), [units], true);
  }

  /** A BN layer's gamma (1), beta (0), running mean (0) and running variance (1). */
  batchNorm(layer: string, channels: number): BatchNormParams {
    return {
      gamma: this.make(layer, "gamma", new Float32Array(channels).fill(1), [channels], true),
      beta: this.make(layer, "beta", new Float32Array(channels), [channels], true),
      movingMean: this.make(layer, "moving_mean", new Float32Array(channels), [channels], false),
      movingVariance: this.make(
        layer,
        "moving_variance",
        new Float32Array(channels).fill(1),
        [channels],
        false,
      ),
    };
  }

  /** Disposes every variable created so far. */
  dispose(): void {
    for (const v of [...this.params, ...this.state]) v.dispose();
  }
}
