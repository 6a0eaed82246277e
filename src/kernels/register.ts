/**
 * Registering the fused kernels: once per process, and only what is not registered yet, so
 * that importing an op twice (or registering a backend's kernels after the op) is harmless.
 *
 * Registering touches tfjs-core's registry only, keyed by backend name; it loads no backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The backends whose data a {@link ./host.ts} kernel reads: tf.js' `cpu` and `wasm`, and `native`. */
export const HOST_BACKENDS = ["cpu", "wasm", "native"] as const;

/** Registers `kernelFunc` as `kernelName` for `backendName` unless one is registered. */
export function registerOnce(
  kernelName: string,
  backendName: string,
  kernelFunc: tf.KernelFunc,
): void {
  if (tf.getKernel(kernelName, backendName) === undefined) {
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}

/** Registers `kernelFunc` as `kernelName` for every one of {@link HOST_BACKENDS}. */
export function registerOnHosts(kernelName: string, kernelFunc: tf.KernelFunc): void {
  for (const backendName of HOST_BACKENDS) registerOnce(kernelName, backendName, kernelFunc);
}

/** Registers the gradient of `config.kernelName` unless one is registered. */
export function registerGradientOnce(config: tf.GradConfig): void {
  if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
}
