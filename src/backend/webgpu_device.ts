/**
 * The device behind tf.js' `webgpu` backend, asked for with the adapter's own limit of
 * storage buffers per shader stage.
 *
 * tf.js 4.22 raises six limits to the adapter's when it asks for its device, but not
 * `maxStorageBuffersPerShaderStage`, which stays at WebGPU's default of 8: a program can then
 * read at most 7 tensors. The optimizer update reads and writes 5 tensors per parameter (7 for
 * LAMB), so under that limit it takes a dispatch per parameter tensor (and LALC, LARS and LAMB
 * one more for the tensor's norms). With the adapter's limit (32 on Mesa's lavapipe; 524,288
 * reported by an NVIDIA H200 through Deno 2.9.6), it updates many tensors in one dispatch
 * (`src/kernels/multi_tensor_update/webgpu_chunks.ts`). The factory is otherwise tf.js' own:
 * the same adapter request, features and limits, and tf.js' `WebGPUBackend` on the device.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The limits tf.js 4.22 raises to the adapter's, and the one this adds. */
export const RAISED_LIMITS = [
  "maxComputeWorkgroupStorageSize",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupSizeX",
  "maxComputeInvocationsPerWorkgroup",
  "maxStorageBuffersPerShaderStage",
] as const;

/** The priority tf.js registers `webgpu` with (wasm's is 2, cpu's 1). */
const TFJS_WEBGPU_PRIORITY = 3;

let replaced = false;

/**
 * Replaces the `webgpu` backend factory tf.js registered with one that asks for the
 * adapter's storage buffer limit too (once per process, before the backend is first set
 * up; later calls do nothing). Call after importing `@tensorflow/tfjs-backend-webgpu`.
 */
export async function registerWebgpuFactory(): Promise<void> {
  if (replaced) return;
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.findBackend("webgpu") !== null) {
    // Already set up with tf.js' device: keep it (and its tensors).
    replaced = true;
    return;
  }
  tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", async () => {
    const adapter = await navigator.gpu.requestAdapter({
      powerPreference: tf.env().get("WEBGPU_USE_LOW_POWER_GPU") ? "low-power" : "high-performance",
    });
    if (adapter === null) throw new Error("webgpu: navigator.gpu.requestAdapter() gave no adapter");
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has("timestamp-query")) requiredFeatures.push("timestamp-query");
    if (adapter.features.has("bgra8unorm-storage")) requiredFeatures.push("bgra8unorm-storage");
    const requiredLimits: Record<string, number> = {};
    for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
    return new WebGPUBackend(device, adapter.info);
  }, TFJS_WEBGPU_PRIORITY);
  replaced = true;
}
