/**
 * The fused form of an optimizer: instead of its chain's several tf.js kernels per tensor,
 * one `MultiTensorUpdate` kernel updates every param and slot of the step (see
 * `src/kernels/multi_tensor_update/`). The chain stays the reference: `ChainOptimizer` takes
 * this path only where {@link FusedUpdate.applies} says the result is the chain's.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { MULTI_TENSOR_UPDATE_KERNEL } from "../kernel_names.ts";
import {
  multiTensorUpdate,
  NEUTRAL_HYPER,
  type UpdateHyper,
  type UpdateMethod,
} from "../kernels/multi_tensor_update/op.ts";
import { useFusedKernel } from "../kernels/switch.ts";
import type { VariablePredicate } from "./transform.ts";
import type { Tensor, Variable } from "../tf_types.ts";

/** What an optimizer tells {@link fusedUpdate} about itself. */
export interface FusedUpdateSpec {
  /** Which of the kernel's methods. */
  readonly method: UpdateMethod;
  /** The hyperparameters it reads (the others keep neutral values). */
  readonly hyper: Partial<UpdateHyper>;
  /** Tensors that get weight decay (none when absent). */
  readonly weightDecayMask?: VariablePredicate;
  /** Tensors that get the layer-wise rate (none when absent). */
  readonly trustRatioMask?: VariablePredicate;
}

/** An optimizer's fused update, as `ChainOptimizer` runs it. */
export interface FusedUpdate {
  /** Whether the kernel can run these tensors now: switched on, registered, all float32. */
  applies(params: readonly Variable[], grads: readonly Tensor[]): boolean;
  /**
   * Runs the kernel and assigns the new params and slots (`state` in the chain's layout) to
   * their variables; call inside a `tf.tidy`.
   */
  apply(
    params: readonly Variable[],
    grads: readonly Tensor[],
    state: readonly Variable[],
    step: number,
    learningRate: number,
  ): void;
}

/** A mask evaluated once per variable, as `masked` does (true only for `true`). */
function cachedMask(mask: VariablePredicate | undefined): (v: Variable) => boolean {
  if (mask === undefined) return () => false;
  const cache = new WeakMap<Variable, boolean>();
  return (v) => {
    let keep = cache.get(v);
    if (keep === undefined) cache.set(v, keep = mask(v) === true);
    return keep;
  };
}

/**
 * The fused update of the optimizer `spec` describes.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { fusedUpdate } from "./fused_update.ts";
 * await useBackend("cpu");
 * const sgd = fusedUpdate({ method: "momentum", hyper: { momentum: 0.9 } });
 * const w = tf.variable(tf.ones([2])), m = tf.variable(tf.zeros([2]));
 * const g = tf.ones([2]);
 * assertEquals(sgd.applies([w], [g]), true);
 * tf.tidy(() => sgd.apply([w], [g], [m], 0, 0.5));
 * assertEquals([...w.dataSync()], [0.5, 0.5]); // 1 - 0.5 * 1
 * tf.dispose([w, m, g]);
 * ```
 */
export function fusedUpdate(spec: FusedUpdateSpec): FusedUpdate {
  const hyper = { ...NEUTRAL_HYPER, ...spec.hyper };
  const decays = cachedMask(hyper.weightDecay === 0 ? undefined : spec.weightDecayMask);
  const trusts = cachedMask(spec.trustRatioMask);
  return {
    applies: (params, grads) =>
      useFusedKernel(MULTI_TENSOR_UPDATE_KERNEL) &&
      params.every((p) => p.dtype === "float32") && grads.every((g) => g.dtype === "float32"),
    apply(params, grads, state, step, learningRate) {
      const outputs = multiTensorUpdate(params, grads, state, {
        ...hyper,
        method: spec.method,
        learningRate,
        step,
        decayMask: params.map(decays),
        trustMask: params.map(trusts),
      });
      // assign() hands the output's data to the variable and launches no kernel.
      const targets = [...params, ...state];
      outputs.forEach((out, k) => targets[k].assign(out));
      tf.dispose(outputs);
    },
  };
}
