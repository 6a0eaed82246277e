/**
 * The names of the custom kernels that src/optim runs and src/backend registers. A name is
 * the contract between the two, so it lives below both (as tf.js keeps its kernel names in
 * tfjs-core, below its backends): neither folder imports the other.
 *
 * @module
 */

/**
 * The kernel a backend may register to batch the norms: inputs a list of float32 tensors,
 * output a float32 `[n]` vector of their squared L2 norms, in input order.
 */
export const SQUARED_NORMS_KERNEL = "LayerSquaredNorms";

/**
 * The optimizer update of every tensor of one step, in one kernel (apex's multi-tensor apply,
 * PyTorch's `foreach`/`fused` optimizers); `src/kernels/multi_tensor_update/` registers it and
 * documents the arithmetic of each method.
 *
 * - inputs, a list: the `P` float32 params, then their `P` gradients (same shapes), then the
 *   optimizer's slots, slot-major as its chain lays them out: one momentum buffer per param
 *   (`momentum`, `lalc`, `lars`: `P` tensors) or LAMB's first then second moments (`2P`).
 * - attrs: `method` (`"momentum" | "lalc" | "lars" | "lamb"`), `learningRate` (the schedule's
 *   value at this step), `step` (the 0-based step, for LAMB's bias correction),
 *   `decayMask` and `trustMask` (`boolean[P]`: weight decay / the layer-wise rate on tensor
 *   `i`), and the numbers `momentum`, `nesterov` (boolean), `weightDecay`,
 *   `trustCoefficient`, `minRatio`, `maxRatio`, `epsilon`, `trustClip` (boolean), `beta1`,
 *   `beta2` (each method reads its own).
 * - outputs: the `P` new params, then the new slots in input order. The inputs are not
 *   written.
 */
export const MULTI_TENSOR_UPDATE_KERNEL = "MultiTensorUpdate";
