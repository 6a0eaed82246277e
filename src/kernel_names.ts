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
