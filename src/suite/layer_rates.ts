/**
 * The per-layer learning rate a layer-wise optimizer applied over the first steps of a run,
 * for the report's plot.
 *
 * The rates are the optimizer's own record (`recordLayerStats: true`, read with
 * `layerStats()` after each step), not a second implementation of its rule that could drift
 * from it. The wrapper adds only what the record lacks: each kernel's weight and gradient
 * norm (one extra device read per traced step, only for these few steps).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { isLayerwiseOptimizer } from "../optim/layerwise.ts";

/** One traced layer at one step. */
export interface LayerRatePoint {
  readonly step: number;
  /** Layer name (the variable name without the model prefix and `/kernel`). */
  readonly layer: string;
  /** Position of the layer among the kernels (forward order of the gradient map). */
  readonly layerIndex: number;
  readonly globalLr: number;
  /** The rate the optimizer recorded for this kernel at this step. */
  readonly layerLr: number;
  readonly weightNorm: number;
  readonly gradNorm: number;
}

/** What {@link traceLayerRates} gives back. */
export interface LayerRateTrace {
  /** The optimizer, its `applyGradients` wrapped. */
  readonly optimizer: tf.Optimizer;
  /** Every traced point, once the reads of the traced steps have finished. */
  points(): Promise<LayerRatePoint[]>;
}

/**
 * Wraps `optimizer.applyGradients` so its first `steps` updates record, for every kernel
 * (tensors of rank > 1), the rate the optimizer applied (its `layerStats()`), with the
 * weight and gradient norms. `rateAt(step)` gives the global rate of the schedule. The
 * optimizer must be built with `recordLayerStats: true`; one that is not layer-wise (LALC,
 * LARS, LAMB) is returned unwrapped, with no points.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { lalc } from "@lalc/large-batch";
 * import { traceLayerRates } from "./layer_rates.ts";
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2, 2]), true, "m/dense0/kernel");
 * const t = traceLayerRates(lalc({ learningRate: 0.1, recordLayerStats: true }), 1, () => 0.1);
 * t.optimizer.applyGradients({ [w.name]: tf.fill([2, 2], 0.5) });
 * const [p] = await t.points();
 * assertEquals([p.layer, p.weightNorm, p.gradNorm], ["dense0", 2, 1]);
 * // LALC: kappa * ||w|| / ||g|| = 0.02 * 2 / 1, inside [rho * eta, eta] = [0.001, 0.1].
 * assertEquals(Math.abs(p.layerLr - 0.04) < 1e-6, true);
 * ```
 */
export function traceLayerRates(
  optimizer: tf.Optimizer,
  steps: number,
  rateAt: (step: number) => number,
): LayerRateTrace {
  // An optimizer that is not layer-wise (a test's stand-in) is left as it is: nothing to plot.
  if (!isLayerwiseOptimizer(optimizer)) return { optimizer, points: () => Promise.resolve([]) };
  const pending: Promise<LayerRatePoint[]>[] = [];
  const apply = optimizer.applyGradients.bind(optimizer);
  let step = 0;
  optimizer.applyGradients = (grads) => {
    const s = step++;
    if (s >= steps) return apply(grads);
    const named = Array.isArray(grads)
      ? grads
      : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
    const variables = tf.engine().registeredVariables;
    const kernels = named.filter(({ name, tensor }) => tensor.rank > 1 && variables[name]);
    // The norms before the update: the weights the optimizer's rule saw. Kept: `trainStep`
    // calls this inside its `tf.tidy`, which would dispose them before the asynchronous read
    // below finishes (on webgpu the read outlives the step; cpu's happens to finish first).
    // The read is disposed of once done, so nothing leaks and no extra sync is made.
    const norms = kernels.length === 0
      ? undefined
      : tf.keep(tf.tidy(() =>
        tf.stack(kernels.flatMap(({ name, tensor }) => [tf.norm(variables[name]), tf.norm(tensor)]))
      ));
    apply(grads);
    // layerStats() takes its tensors now, before the next step replaces them.
    const stats = optimizer.layerStats();
    pending.push((async () => {
      const [values, recorded] = [norms ? await norms.data() : new Float32Array(), await stats];
      norms?.dispose();
      const rate = new Map(recorded.map((r) => [r.name, r.learningRate]));
      return kernels.map(({ name }, i) => {
        const parts = name.split("/");
        return {
          step: s,
          layer: parts.length > 2 ? parts.slice(1, -1).join("/") : name,
          layerIndex: i,
          globalLr: rateAt(s),
          layerLr: rate.get(name) ?? NaN,
          weightNorm: values[2 * i],
          gradNorm: values[2 * i + 1],
        };
      });
    })());
  };
  return { optimizer, points: async () => (await Promise.all(pending)).flat() };
}
