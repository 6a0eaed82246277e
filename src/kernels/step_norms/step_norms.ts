/**
 * A training step's gradient norms: each weight layer's kernel gradient's L2 norm, then the
 * global norm over all gradients. Fused, two kernels: `LayerSquaredNorms` (every tensor's
 * squared norm, one dispatch on the host backends, one per 7 tensors on webgpu) and
 * `StepNorms` (pick the layers, add, take square roots). Unfused (the reference): a
 * `Square` and a `Sum` per layer and per gradient, an `AddN`, a `Pack` and a `Sqrt`.
 *
 * Importing this module registers the kernels for `cpu` and `webgpu` (`LayerSquaredNorms`)
 * and `cpu`, `wasm`, `native`, `webgpu` (`StepNorms`); wasm's and native's
 * `LayerSquaredNorms` is src/backend's SIMD kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { SQUARED_NORMS_KERNEL, STEP_NORMS_KERNEL } from "../../kernel_names.ts";
import type { Tensor, Tensor1D } from "../../tf_types.ts";
import { HOST_BACKENDS, registerOnce } from "../register.ts";
import { useFusedKernel } from "../switch.ts";
import { squaredNormsHost, stepNormsHost } from "./host.ts";
import { squaredNormsWebgpu, stepNormsWebgpu } from "./webgpu.ts";

registerOnce(SQUARED_NORMS_KERNEL, "cpu", squaredNormsHost as unknown as tf.KernelFunc);
registerOnce(SQUARED_NORMS_KERNEL, "webgpu", squaredNormsWebgpu as unknown as tf.KernelFunc);
for (const backend of HOST_BACKENDS) {
  registerOnce(STEP_NORMS_KERNEL, backend, stepNormsHost as unknown as tf.KernelFunc);
}
registerOnce(STEP_NORMS_KERNEL, "webgpu", stepNormsWebgpu as unknown as tf.KernelFunc);

/** The unfused reference of {@link stepNorms}. */
export function stepNormsReference(
  grads: readonly Tensor[],
  layers: readonly number[],
): Tensor1D {
  return tf.tidy(() => {
    const squares = layers.map((i) => tf.sum(tf.square(grads[i])));
    const total = tf.addN(grads.map((g) => tf.sum(tf.square(g))));
    return tf.sqrt(tf.stack([...squares, total])) as Tensor1D;
  });
}

/**
 * `[layers.length + 1]`: the L2 norm of `grads[layers[i]]` for each i, then the L2 norm of all
 * of `grads` together. Two fused kernels when {@link useFusedKernel} allows (float32
 * gradients), else {@link stepNormsReference}.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { stepNorms } from "./step_norms.ts";
 * await useBackend("cpu");
 * const grads = [tf.tensor1d([3, 4]), tf.tensor1d([12])]; // norms 5 and 12, together 13
 * const norms = stepNorms(grads, [1, 0]);
 * assertEquals(Array.from(norms.dataSync()), [12, 5, 13]);
 * tf.dispose([...grads, norms]);
 * ```
 */
export function stepNorms(grads: readonly Tensor[], layers: readonly number[]): Tensor1D {
  if (grads.length === 0) throw new Error("stepNorms: no gradients");
  if (
    useFusedKernel(SQUARED_NORMS_KERNEL) && useFusedKernel(STEP_NORMS_KERNEL) &&
    grads.every((g) => g.dtype === "float32")
  ) {
    return tf.tidy(() => {
      const squares = tf.engine().runKernel(
        SQUARED_NORMS_KERNEL,
        grads as unknown as tf.NamedTensorMap,
      ) as Tensor1D;
      return tf.engine().runKernel(
        STEP_NORMS_KERNEL,
        { squares },
        { layers: [...layers] } as unknown as tf.NamedAttrMap,
      ) as Tensor1D;
    });
  }
  return stepNormsReference(grads, layers);
}
