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
 * Training-mode batch norm, plus an optional residual and ReLU, over every axis of `x` but
 * the last (src/kernels/batch_norm_act).
 *
 * - Inputs: `x` float32 `[..., C]`; `gamma`, `beta`, `movingMean`, `movingVariance` `[C]`;
 *   optional `residual` (the shape of `x`).
 * - Attrs: `epsilon` (added to the variance), `momentum` (weight of the old running
 *   statistics), `relu` (boolean), `hasResidual` (boolean: whether `residual` is given, for
 *   the gradient, which sees the attrs but not the inputs).
 * - Outputs, in order: `y` (shape of `x`): `z = (x - mean) * invStd * gamma + beta (+ residual)`,
 *   `relu(z)` or `z`; `stats` `[2, C]`: row 0 the batch mean, row 1
 *   `invStd = 1 / sqrt(variance + epsilon)` of the biased batch variance; `newMovingMean`
 *   `[C]` = `momentum * movingMean + (1 - momentum) * mean`; `newMovingVariance` `[C]` =
 *   `momentum * movingVariance + (1 - momentum) * variance * n / (n - 1)` (factor 1 when the
 *   row count `n` is 1).
 */
export const BATCH_NORM_ACTIVATION_KERNEL = "BatchNormActivation";

/**
 * The backward of {@link BATCH_NORM_ACTIVATION_KERNEL}.
 *
 * - Inputs: `dy` (shape of `x`), `x`, `y` (the forward's output), `gamma` `[C]`, `stats`
 *   `[2, C]` (the forward's mean and invStd).
 * - Attrs: `relu` (boolean, as in the forward), `residual` (boolean: whether to output `dz`).
 * - Outputs, in order: `dx`, `dgamma` `[C]`, `dbeta` `[C]`, and with `residual` `dz` (shape
 *   of `x`, the residual's gradient), where `dz = relu ? dy * (y > 0) : dy`,
 *   `dbeta = sum(dz)`, `dgamma = sum(dz * xhat)`,
 *   `dx = gamma * invStd * (dz - dbeta / n - xhat * dgamma / n)`.
 */
export const BATCH_NORM_ACTIVATION_GRAD_KERNEL = "BatchNormActivationGrad";

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
 *   `i`), and the numbers `momentum`, `nesterov` (boolean), `rateInBuffer` (boolean, momentum
 *   SGD: the rate scales the gradient before the trace), `weightDecay`,
 *   `trustCoefficient`, `minRatio`, `maxRatio`, `epsilon`, `trustClip` (boolean), `beta1`,
 *   `beta2` (each method reads its own).
 * - outputs: the `P` new params, then the new slots in input order. The inputs are not
 *   written.
 */
export const MULTI_TENSOR_UPDATE_KERNEL = "MultiTensorUpdate";

// --- The step's loss and norms (src/kernels/softmax_cross_entropy/, src/kernels/step_norms/).

/**
 * Mean softmax cross-entropy and what its gradient needs. Inputs `logits` float32 `[B, K]`
 * and `labels` int32 `[B]`; outputs `[loss, probs]`: `loss` the float32 scalar
 * `-(1/B) sum_b log softmax(logits_b)[labels_b]`, where a row whose label is outside
 * `[0, K)` contributes 0 (as `tf.oneHot` gives it a zero row), and `probs` float32 `[B, K]`,
 * the row-wise softmax. No attrs.
 */
export const SOFTMAX_CROSS_ENTROPY_KERNEL = "SoftmaxCrossEntropy";

/**
 * The gradient of {@link SOFTMAX_CROSS_ENTROPY_KERNEL} with respect to the logits. Inputs
 * `dy` float32 scalar (the loss' upstream gradient), `probs` float32 `[B, K]`, `labels`
 * int32 `[B]`; output float32 `[B, K]`: `dy * (probs - onehot(labels)) / B`, a zero row where
 * the label is outside `[0, K)`. No attrs.
 */
export const SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL = "SoftmaxCrossEntropyGrad";

/**
 * A training step's gradient norms from the squared norms of its gradients. Input `squares`
 * float32 `[n]` (as {@link SQUARED_NORMS_KERNEL} gives them); attr `layers`, a list of
 * indices into `squares`; output float32 `[layers.length + 1]`: `sqrt(squares[layers[i]])`
 * for each i, then `sqrt(sum(squares))` (the global norm).
 */
export const STEP_NORMS_KERNEL = "StepNorms";
