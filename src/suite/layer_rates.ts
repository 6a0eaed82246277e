/**
 * LALC's per-layer learning rate over the first steps of a run, for the report's plot.
 *
 * The optimizer is wrapped, not changed: before each of its first `steps` updates the
 * wrapper reads every kernel's weight and gradient norms (one transfer per step, only for
 * these few steps) and evaluates the per-layer rate of LALC (docs/method.md) from them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** LALC's clip parameters (docs/method.md defaults). */
export interface LalcClip {
  readonly trustCoefficient: number;
  readonly minRatio: number;
  readonly maxRatio: number;
  readonly epsilon: number;
}

/** The documented defaults (docs/method.md): kappa 0.02, rho 0.01, maxRatio 1, epsilon 1e-9. */
export const LALC_DEFAULT_CLIP: LalcClip = {
  trustCoefficient: 0.02,
  minRatio: 0.01,
  maxRatio: 1,
  epsilon: 1e-9,
};

/**
 * The rate LALC gives a layer with weight norm `weightNorm` and update-direction norm
 * `gradNorm` when the global rate is `eta` (docs/method.md, "LALC as this project defines it").
 *
 * @example
 * ```ts
 * import { lalcLayerRate } from "./layer_rates.ts";
 * lalcLayerRate(10, 100, 0.1); // 0.002: kappa*10/100, inside [0.001, 0.1]
 * ```
 */
export function lalcLayerRate(
  weightNorm: number,
  gradNorm: number,
  eta: number,
  clip: LalcClip = LALC_DEFAULT_CLIP,
): number {
  if (weightNorm === 0 || gradNorm === 0) return eta;
  const local = clip.trustCoefficient * weightNorm / (gradNorm + clip.epsilon);
  return Math.min(Math.max(local, clip.minRatio * eta), clip.maxRatio * eta);
}

/** One traced layer at one step. */
export interface LayerRatePoint {
  readonly step: number;
  /** Layer name (the variable name without the model prefix and `/kernel`). */
  readonly layer: string;
  /** Position of the layer among the kernels (forward order of the gradient map). */
  readonly layerIndex: number;
  readonly globalLr: number;
  readonly layerLr: number;
  readonly weightNorm: number;
  readonly gradNorm: number;
}

/**
 * Wraps `optimizer.applyGradients` so its first `steps` updates report the per-layer rate of
 * every kernel (tensors of rank > 1, as LALC's default exclusion) to `onPoint`.
 * `rateAt(step)` gives the global rate of the schedule.
 *
 * @example
 * ```ts ignore
 * const points: LayerRatePoint[] = [];
 * traceLalcRates(optimizer, 50, schedule, (p) => points.push(p));
 * ```
 */
export function traceLalcRates(
  optimizer: tf.Optimizer,
  steps: number,
  rateAt: (step: number) => number,
  onPoint: (point: LayerRatePoint) => void,
  clip: LalcClip = LALC_DEFAULT_CLIP,
): tf.Optimizer {
  const apply = optimizer.applyGradients.bind(optimizer);
  let step = 0;
  optimizer.applyGradients = (grads) => {
    if (step < steps) {
      const named = Array.isArray(grads)
        ? grads
        : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
      const variables = tf.engine().registeredVariables;
      const kernels = named.filter(({ name, tensor }) => tensor.rank > 1 && variables[name]);
      if (kernels.length > 0) {
        const norms = tf.tidy(() =>
          tf.stack(kernels.flatMap(({ name, tensor }) => [
            tf.norm(variables[name]),
            tf.norm(tensor),
          ]))
        );
        const values = norms.dataSync();
        norms.dispose();
        const eta = rateAt(step);
        kernels.forEach(({ name }, i) => {
          const parts = name.split("/");
          const layer = parts.length > 2 ? parts.slice(1, -1).join("/") : name;
          const weightNorm = values[2 * i];
          const gradNorm = values[2 * i + 1];
          onPoint({
            step,
            layer,
            layerIndex: i,
            globalLr: eta,
            layerLr: lalcLayerRate(weightNorm, gradNorm, eta, clip),
            weightNorm,
            gradNorm,
          });
        });
      }
    }
    step++;
    apply(grads);
  };
  return optimizer;
}
