/**
 * Which convolution kernels tf.js' `webgpu` backend runs: tf.js' own or the project's
 * implicit-GEMM WGSL programs (this folder).
 *
 * @module
 */

/** `"project"`: this project's WGSL; `"tfjs"`: tf.js 4.22's own kernels. */
export type WebgpuConvKernels = "project" | "tfjs";

/** The kernels used until {@link setWebgpuConv} says otherwise. */
export const DEFAULT_WEBGPU_CONV: WebgpuConvKernels = "project";

let current: WebgpuConvKernels = DEFAULT_WEBGPU_CONV;

/**
 * Chooses the kernels behind `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` on
 * the `webgpu` backend from the next call on; returns the previous choice. The default is
 * `"project"`, for correctness: on Mesa's lavapipe, tf.js 4.22's own webgpu
 * `Conv2DBackpropFilter` comes out wrong once batch x outH x outW reaches 65,536 (0.27
 * relative error at [64, 32, 32, 4], 3x3; right at half that batch), which every CIFAR CNN
 * at batch >= 64 reaches, while the project's match tf.js' cpu backend to 8.4e-7 on every
 * tested shape (src/backend/webgpu_conv/webgpu_conv_test.ts). Neither has been timed on a
 * real GPU yet: `bench/gpu_workloads.ts --conv` times both in one run. Convolutions the
 * project's kernels do not cover (NCHW, dilation > 1, not float32) run tf.js' kernels
 * either way. Other backends are unaffected.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { getWebgpuConv, setWebgpuConv } from "@lalc/large-batch/backend";
 * const before = setWebgpuConv("tfjs"); // tf.js' own kernels, e.g. to compare
 * assertEquals(getWebgpuConv(), "tfjs");
 * setWebgpuConv(before);
 * assertEquals(getWebgpuConv(), "project");
 * ```
 */
export function setWebgpuConv(kernels: WebgpuConvKernels): WebgpuConvKernels {
  if (kernels !== "project" && kernels !== "tfjs") {
    throw new Error(`setWebgpuConv: expected "project" or "tfjs", got ${String(kernels)}`);
  }
  const previous = current;
  current = kernels;
  return previous;
}

/**
 * The kernels {@link setWebgpuConv} chose.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { getWebgpuConv } from "@lalc/large-batch/backend";
 * assertEquals(getWebgpuConv(), "project");
 * ```
 */
export function getWebgpuConv(): WebgpuConvKernels {
  return current;
}
