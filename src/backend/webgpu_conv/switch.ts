/**
 * Which convolution kernels tf.js' `webgpu` backend runs: tf.js' own or the project's
 * implicit-GEMM WGSL programs (this folder).
 *
 * @module
 */

/** `"project"`: this project's WGSL; `"tfjs"`: tf.js 4.22's own kernels. */
export type WebgpuConvKernels = "project" | "tfjs";

/** The kernels used until {@link setWebgpuConv} says otherwise. */
export const DEFAULT_WEBGPU_CONV: WebgpuConvKernels = "tfjs";

let current: WebgpuConvKernels = DEFAULT_WEBGPU_CONV;

/**
 * Chooses the kernels behind `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` on
 * the `webgpu` backend from the next call on; returns the previous choice. The default is
 * `"tfjs"`: the project's kernels are checked against tf.js' cpu backend but not yet timed on
 * a real GPU, and `bench/gpu_workloads.ts --conv` (which times both in one run) decides
 * which should be the default. Convolutions the project's kernels do not cover (NCHW,
 * dilation > 1, not float32) run tf.js' kernels either way. Other backends are unaffected.
 *
 * One measured reason to switch even before that: on Mesa's lavapipe, tf.js' own webgpu
 * `Conv2DBackpropFilter` comes out wrong once batch x outH x outW reaches 65,536 (0.27
 * relative error at [64, 32, 32, 4], 3x3; right at half that batch), while the project's
 * matches tf.js' cpu backend to 5e-7 there (src/backend/webgpu_conv/webgpu_conv_test.ts).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { getWebgpuConv, setWebgpuConv } from "@lalc/large-batch/backend";
 * const before = setWebgpuConv("project");
 * assertEquals(getWebgpuConv(), "project");
 * setWebgpuConv(before);
 * assertEquals(getWebgpuConv(), "tfjs");
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
 * assertEquals(getWebgpuConv(), "tfjs");
 * ```
 */
export function getWebgpuConv(): WebgpuConvKernels {
  return current;
}
