/**
 * The `webgpu` backend on Deno's built-in WebGPU (no flag needed in Deno 2.9; on Linux without
 * a GPU, Mesa's lavapipe Vulkan driver provides a software adapter). Loaded only when asked.
 *
 * @module
 */
import { BackendUnavailableError } from "./unavailable.ts";
import { installWebgpuAddN } from "./webgpu_addn.ts";
import { installWebgpuMatmul } from "./webgpu_matmul.ts";
import { installWebgpuConv } from "./webgpu_conv/install.ts";
import { registerWebgpuFactory } from "./webgpu_device.ts";

/** The adapter Deno offers, or null when there is none. */
export async function webgpuAdapterInfo(): Promise<string | null> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (gpu === undefined) return null;
  const adapter = await gpu.requestAdapter();
  if (adapter === null) return null;
  const info = adapter.info;
  return info.description || info.device || info.vendor || "unknown adapter";
}

/**
 * Imports `@tensorflow/tfjs-backend-webgpu` (which registers the `webgpu` backend) after
 * checking that an adapter exists; returns the adapter's description.
 *
 * @example Not run by `deno test --doc`: WebGPU stays out of the test runner's process (see
 * `_test_webgpu_probe.ts`).
 * ```ts ignore
 * import { loadWebgpuBackend } from "./webgpu.ts";
 * await loadWebgpuBackend().catch((e) => console.log(e.message));
 * ```
 */
export async function loadWebgpuBackend(): Promise<string> {
  const adapter = await webgpuAdapterInfo();
  if (adapter === null) {
    throw new BackendUnavailableError(
      "webgpu",
      "navigator.gpu has no adapter. Install a Vulkan driver " +
        "(Debian: apt-get install mesa-vulkan-drivers for the software lavapipe driver)",
    );
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  await registerWebgpuFactory();
  installWebgpuAddN();
  installWebgpuMatmul();
  installWebgpuConv();
  return adapter;
}

let guarded = false;

/**
 * What happens at the first WebGPU error tf.js did not catch: by default one line on stderr
 * and exit 1, because a failed validation drops a whole command buffer and the results read
 * back afterwards are zeros, not errors (see webgpu_addn.ts), so a run must stop rather than
 * report them. A program that would rather handle it passes its own (`useBackend`'s
 * `onDeviceError`); the commands pass one that also names the backends to use instead.
 */
export type DeviceErrorHandler = (message: string) => void;

/** The default {@link DeviceErrorHandler}: one line on stderr, then exit 1. */
export const stopOnDeviceError: DeviceErrorHandler = (message) => {
  console.error(`webgpu: the device reported "${message}"; results would be wrong, stopping`);
  Deno.exit(1);
};

/** Calls `onError` with the first line of the first WebGPU error tf.js did not catch. */
export function guardWebgpuErrors(
  device: EventTarget,
  onError: DeviceErrorHandler = stopOnDeviceError,
): void {
  if (guarded) return;
  guarded = true;
  device.addEventListener("uncapturederror", (event) => {
    onError((event as GPUUncapturedErrorEvent).error.message.split("\n")[0]);
  });
}
