/**
 * The one switch between the fused training kernels and the unfused reference path.
 *
 * The project's models, its training step and its optimizers run a step in a few fused
 * kernels (batch norm + activation, softmax cross-entropy, all layers' norms, the optimizer
 * update of every tensor at once) wherever the active backend has them registered. The
 * unfused path composes the same arithmetic from tf.js' own kernels, one op at a time: it is
 * the reference the fused kernels are tested against, and what runs on a backend without them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

let enabled = true;

/**
 * Turns the fused kernels on (the default) or off for everything that runs after the call:
 * with `false`, models, training steps and optimizers take the unfused reference path.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { fusedKernelsEnabled, setFusedKernels } from "./switch.ts";
 * setFusedKernels(false); // the reference path, e.g. to compare a fused run against it
 * assertEquals(fusedKernelsEnabled(), false);
 * setFusedKernels(true);
 * assertEquals(fusedKernelsEnabled(), true);
 * ```
 */
export function setFusedKernels(on: boolean): void {
  if (typeof on !== "boolean") {
    throw new Error(`setFusedKernels: expected true or false, got ${String(on)}`);
  }
  enabled = on;
}

/** Whether the fused kernels are switched on (see {@link setFusedKernels}). */
export function fusedKernelsEnabled(): boolean {
  return enabled;
}

/**
 * Whether an op should run the fused kernel `kernelName` now: the switch is on and the
 * active backend has the kernel registered.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useFusedKernel } from "./switch.ts";
 * assertEquals(useFusedKernel("NoSuchKernel"), false);
 * ```
 */
export function useFusedKernel(kernelName: string): boolean {
  return enabled && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
