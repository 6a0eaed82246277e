/**
 * The `native` backend: tf.js' wasm backend with its heavy kernels run by native libraries
 * through Deno FFI (native_ffi.ts), in place on the wasm heap.
 *
 * tf.js' kernel registry is keyed by backend name, so native kernels registered for `wasm`
 * would leak into `--backend wasm`. Instead `native` is a backend name of its own whose
 * factory returns the wasm backend's very instance (one heap, one tensor table: tensors
 * never move between the two names) and whose registry is a copy of wasm's (with this
 * project's wasm overrides), with the native kernels on top. Each native kernel falls back
 * to the wasm one for the cases it does not cover.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { installWasmKernels } from "./wasm_kernels.ts";
import { nativeBatchMatMulConfig, nativeFusedMatMulConfig } from "./native_matmul.ts";
import { nativeConvConfigs } from "./native_conv.ts";
import { nativeLeadingReduceConfig } from "./native_reduce.ts";
import { loadNativeLibs, type NativeLibs, setNativeThreads } from "./native_ffi.ts";
import { BackendUnavailableError } from "./unavailable.ts";

/** The backend name. */
export const NATIVE = "native";

let nativeKernels: string[] | undefined;

/** Registers every `wasm` kernel not yet registered for `native` (with the native name). */
export function syncNativeKernels(): void {
  for (const config of tf.getKernelsForBackend("wasm")) {
    if (tf.getKernel(config.kernelName, NATIVE) === undefined) {
      tf.registerKernel({ ...config, backendName: NATIVE });
    }
  }
}

/** Replaces the `native` copy of `config`'s kernel with `config`. */
function replace(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, NATIVE) !== undefined) {
    tf.unregisterKernel(config.kernelName, NATIVE);
  }
  tf.registerKernel(config);
}

/** The wasm kernel `name` (the fallback of its native replacement). */
function wasmKernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, "wasm");
  if (config === undefined) throw new Error(`wasm kernel "${name}" is not registered`);
  return config;
}

function registerNativeKernels(libs: NativeLibs): string[] {
  const configs = [
    nativeBatchMatMulConfig(libs, wasmKernel("BatchMatMul"), NATIVE),
    nativeFusedMatMulConfig(libs, wasmKernel("_FusedMatMul"), NATIVE),
    ...nativeConvConfigs(libs, wasmKernel, NATIVE),
    nativeLeadingReduceConfig(libs, wasmKernel("Sum"), NATIVE),
    nativeLeadingReduceConfig(libs, wasmKernel("Mean"), NATIVE),
  ];
  for (const c of configs) replace(c);
  return configs.map((c) => c.kernelName);
}

/**
 * Registers (once) and returns the names of the native kernels, after making sure the wasm
 * backend is initialized (its instance is shared); throws with the reason when the native
 * libraries cannot be opened. Sets the libraries' threads to `threads` on every call.
 *
 * @example
 * ```ts
 * import { ok as assert, rejects } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { installNativeBackend } from "./native.ts";
 * import { loadNativeLibs } from "./native_ffi.ts";
 * if (typeof loadNativeLibs() === "string") {
 *   await rejects(installNativeBackend(1), /backend "native" unavailable/);
 * } else {
 *   const names = await installNativeBackend(1);
 *   assert(names.includes("BatchMatMul")); // run by OpenBLAS
 *   assert(names.every((name) => tf.getKernel(name, "native") !== undefined));
 * }
 * ```
 */
export async function installNativeBackend(threads: number): Promise<string[]> {
  const libs = loadNativeLibs();
  if (typeof libs === "string") {
    throw new BackendUnavailableError("native", libs);
  }
  setNativeThreads(libs, threads);
  installWasmKernels();
  if (nativeKernels === undefined) {
    const previous = tf.getBackend();
    if (!(await tf.setBackend("wasm"))) throw new Error('backend "wasm" failed to initialize');
    const shared = tf.backend();
    tf.registerBackend(NATIVE, () => shared, 0);
    syncNativeKernels();
    nativeKernels = registerNativeKernels(libs);
    // Leave the engine as it was; the caller selects `native`.
    if (previous !== undefined && previous !== "wasm") await tf.setBackend(previous);
  } else {
    syncNativeKernels(); // wasm kernels registered since (lazily registered ones)
  }
  return [...nativeKernels];
}
