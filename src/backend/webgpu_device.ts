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
 * the same adapter request, features and limits, and tf.js' `WebGPUBackend` on the device,
 * whose bind groups name whole buffers the cheaper way ({@link bindWholeBuffersDirectly}).
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
    bindWholeBuffersDirectly(device);
    return new WebGPUBackend(device, adapter.info);
  }, TFJS_WEBGPU_PRIORITY);
  replaced = true;
}

/**
 * Makes `device.createBindGroup` pass a binding of a whole buffer (`{ buffer }`, no offset or
 * size: what tf.js 4.22 binds every tensor as) as the `GPUBuffer` itself, which WebGPU defines
 * to mean the same. Why: Deno converts each `GPUBufferBinding` dictionary field by field, about
 * 0.8 us an entry (12 entries: 30.8 us as dictionaries, 20.9 us as buffers; lavapipe, Deno
 * 2.9.6, 2-core Xeon, 2026-12-06), and a training step binds every tensor its kernels touch:
 * the host time of an MLP 16 x 8 step at batch 8 (`bench/gpu_counts.ts --case mlp:16:8:8
 * --steps 32`, `trainStep` less `submitQueue`, 3 runs each) went from 13.7 ms to 12.2 ms, the
 * same losses. Other entries (an offset, a size, a sampler or texture view) pass as they are.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { bindWholeBuffersDirectly } from "./webgpu_device.ts";
 * const seen: GPUBindGroupDescriptor[] = [];
 * const device = { createBindGroup: (d: GPUBindGroupDescriptor) => (seen.push(d), {}) };
 * bindWholeBuffersDirectly(device as unknown as GPUDevice);
 * const buffer = { size: 16 };
 * (device as unknown as GPUDevice).createBindGroup({
 *   layout: {} as GPUBindGroupLayout,
 *   entries: [{ binding: 0, resource: { buffer } as unknown as GPUBufferBinding }],
 * });
 * assertEquals(seen[0].entries, [{ binding: 0, resource: buffer }]);
 * ```
 */
export function bindWholeBuffersDirectly(device: GPUDevice): void {
  const create = device.createBindGroup.bind(device);
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor): GPUBindGroup => {
    const entries = [...descriptor.entries];
    for (let i = 0; i < entries.length; i++) {
      const binding = entries[i].resource as Partial<GPUBufferBinding>;
      if (
        binding.buffer !== undefined && binding.offset === undefined && binding.size === undefined
      ) {
        entries[i] = {
          binding: entries[i].binding,
          resource: binding.buffer as unknown as GPUBindingResource,
        };
      }
    }
    return create({ ...descriptor, entries });
  };
}
