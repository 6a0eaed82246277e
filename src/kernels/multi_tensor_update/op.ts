/**
 * The multi-tensor optimizer update as a tf.js op: one `MultiTensorUpdate` kernel call for
 * every tensor of a step (see `src/kernel_names.ts` for the contract and `attrs.ts` for the
 * arithmetic). Importing this module registers the kernel on `cpu`, `wasm` and `native`
 * (and on `webgpu`, see `webgpu.ts`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { MULTI_TENSOR_UPDATE_KERNEL } from "../../kernel_names.ts";
import { registerOnce, registerOnHosts } from "../register.ts";
import { slotsPerParam, type UpdateAttrs } from "./attrs.ts";
import { multiTensorUpdateHost } from "./host.ts";
import { multiTensorUpdateWebgpu } from "./webgpu.ts";

export type { UpdateAttrs, UpdateHyper, UpdateMethod } from "./attrs.ts";
export { NEUTRAL_HYPER } from "./attrs.ts";

registerOnHosts(
  MULTI_TENSOR_UPDATE_KERNEL,
  ((args: Parameters<typeof multiTensorUpdateHost>[0]) =>
    multiTensorUpdateHost(args)) as tf.KernelFunc,
);
registerOnce(MULTI_TENSOR_UPDATE_KERNEL, "webgpu", multiTensorUpdateWebgpu as tf.KernelFunc);

/**
 * Runs one `MultiTensorUpdate`: returns the new params and then the new slots (`slots` laid
 * out as the optimizer's chain lays them out: per slot kind, one tensor per param). Nothing
 * given is written; the caller assigns the results. Call only where
 * `useFusedKernel(MULTI_TENSOR_UPDATE_KERNEL)` is true, with float32 tensors.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../../backend/backend.ts";
 * import { multiTensorUpdate, NEUTRAL_HYPER } from "./op.ts";
 * await useBackend("cpu");
 * const [w, g, m] = [tf.tensor1d([1, 2]), tf.tensor1d([1, 1]), tf.tensor1d([0.5, 0.5])];
 * const [w1, m1] = multiTensorUpdate([w], [g], [m], {
 *   ...NEUTRAL_HYPER,
 *   method: "momentum",
 *   momentum: 0.5,
 *   learningRate: 0.1,
 *   step: 0,
 *   decayMask: [false],
 *   trustMask: [false],
 * });
 * assertEquals([...m1.dataSync()], [1.25, 1.25]); // m = g + 0.5 m
 * assertEquals([...w1.dataSync()].map((x) => Math.round(x * 1e6) / 1e6), [0.875, 1.875]);
 * tf.dispose([w, g, m, w1, m1]);
 * ```
 */
export function multiTensorUpdate(
  params: readonly tf.Tensor[],
  grads: readonly tf.Tensor[],
  slots: readonly tf.Tensor[],
  attrs: UpdateAttrs,
): tf.Tensor[] {
  if (
    grads.length !== params.length || slots.length !== slotsPerParam(attrs.method) * params.length
  ) {
    throw new Error(
      `multiTensorUpdate(${attrs.method}): got ${params.length} params, ${grads.length} ` +
        `grads and ${slots.length} slots`,
    );
  }
  const inputs = [...params, ...grads, ...slots];
  return tf.engine().runKernel(
    MULTI_TENSOR_UPDATE_KERNEL,
    inputs as unknown as tf.NamedTensorMap,
    { ...attrs } as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
}
