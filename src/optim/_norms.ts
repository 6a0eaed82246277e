/**
 * Per-tensor squared L2 norms, computed on the device and returned as ONE vector so the
 * layer-wise ratios of all tensors are a handful of vector ops instead of a few scalar ops per
 * tensor, and nothing is read back to the CPU.
 *
 * A backend may provide the whole batch as one kernel, {@link SQUARED_NORMS_KERNEL} (this
 * project registers one for wasm and native in `src/backend/layer_norms.ts`, and for cpu and
 * webgpu in `src/kernels/step_norms/`, loaded with the backends or the training step); this
 * module only looks the kernel up, so the optimizers import nothing but tfjs-core.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { SQUARED_NORMS_KERNEL } from "../kernel_names.ts";

/** `[||x_0||^2, ..., ||x_k||^2]` as one float32 vector (empty input gives shape [0]). */
export function squaredNorms(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  if (tensors.length === 0) return tf.zeros([0]);
  if (
    tf.getKernel(SQUARED_NORMS_KERNEL, tf.getBackend()) !== undefined &&
    tensors.every((t) => t.dtype === "float32")
  ) {
    return tf.engine().runKernel(
      SQUARED_NORMS_KERNEL,
      tensors as unknown as tf.NamedTensorMap,
    ) as tf.Tensor1D;
  }
  return tf.stack(tensors.map((t) => tf.tidy(() => tf.sum(tf.square(t))))) as tf.Tensor1D;
}
