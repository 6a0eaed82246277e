/**
 * The gradient of {@link BATCH_NORM_ACTIVATION_KERNEL}: one call of
 * {@link BATCH_NORM_ACTIVATION_GRAD_KERNEL} per backward pass, whose outputs the per-input
 * thunks hand out.
 *
 * Why the backward kernel runs in the gradient function itself and not lazily in a thunk:
 * tf.js runs each thunk in its own `tidy`, which would dispose the outputs the later thunks
 * need. Run here, they live in the backward pass's scope, which disposes the ones no thunk
 * returned. The running statistics are state, not parameters: their gradients are zero.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  BATCH_NORM_ACTIVATION_KERNEL,
} from "../../kernel_names.ts";
import { registerGradientOnce } from "../register.ts";

/** Saved for the backward pass: inputs `x`, `gamma`, then outputs `y`, `stats`. */
const INPUTS_TO_SAVE = ["x", "gamma"];
const OUTPUTS_TO_SAVE = [true, true, false, false];

registerGradientOnce({
  kernelName: BATCH_NORM_ACTIVATION_KERNEL,
  inputsToSave: INPUTS_TO_SAVE,
  outputsToSave: OUTPUTS_TO_SAVE,
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    // A multi-output kernel gets one dy per output (zeros where the output is off the path).
    const dy = Array.isArray(dys) ? dys[0] : dys;
    const [x, gamma, y, stats] = saved;
    const withResidual = attrs.hasResidual === true;
    const grads = tf.engine().runKernel(
      BATCH_NORM_ACTIVATION_GRAD_KERNEL,
      { dy, x, y, gamma, stats },
      { relu: attrs.relu, residual: withResidual },
    ) as tf.Tensor[];
    const [dx, dgamma, dbeta, dz] = grads;
    const map: Record<string, () => tf.Tensor> = {
      x: () => dx,
      gamma: () => dgamma,
      beta: () => dbeta,
      movingMean: () => tf.zerosLike(gamma),
      movingVariance: () => tf.zerosLike(gamma),
    };
    if (withResidual) map.residual = () => dz;
    return map;
  },
});
