/**
 * Backend choice for this project's runs and the kernels it adds to tf.js' wasm backend.
 *
 * Importing this module registers tf.js' `cpu` and `wasm` backends (wasm at tf.js' own
 * priority, so it becomes the default once ready): import it only where you want that, and
 * call {@link useBackend} before making tensors. The optimizers (the package's main entry)
 * do not need it; on a wasm backend you loaded yourself, {@link registerLayerNormKernels}
 * gives them their one-dispatch norm kernel.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { backendInfo, useBackend } from "./mod.ts";
 * await useBackend("cpu");
 * assertEquals(backendInfo().name, "cpu");
 * ```
 *
 * @module
 */
export {
  type BackendInfo,
  backendInfo,
  type BackendName,
  BACKENDS,
  BackendUnavailableError,
  defaultBackend,
  nativeUnavailableReason,
  useBackend,
  type UseBackendOptions,
} from "./backend.ts";
export { registerLayerNormKernels } from "./layer_norms.ts";
export {
  describeKernels,
  kernelDifferences,
  type KernelIdentity,
  parseKernelIdentity,
} from "./kernel_identity.ts";
export { NATIVE_KERNEL_MODES, type NativeKernelMode } from "./native_ffi.ts";
export { type DeviceErrorHandler, stopOnDeviceError } from "./webgpu.ts";
export {
  setWebgpuMatmul,
  WEBGPU_MATMULS,
  type WebgpuMatmul,
  webgpuMatmul,
} from "./webgpu_matmul.ts";
export { getWebgpuConv, setWebgpuConv, type WebgpuConvKernels } from "./webgpu_conv/switch.ts";

// The tf.js types of the signatures above, under documented aliases (see src/tf_types.ts).
export type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "../tf_types.ts";
