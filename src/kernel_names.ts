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
