/**
 * Backend selection. `native` is the default where it loads: tf.js' wasm backend with its
 * matmuls and convolutions run by OpenBLAS and oneDNN through Deno FFI (native.ts). Without
 * `--allow-ffi` for the libraries, or without the libraries, the default is `wasm`
 * ({@link nativeUnavailableReason} says why; the library prints nothing, the CLIs word it):
 * embedded, it runs anywhere; this project adds the kernels it lacks for
 * training CNNs and replaces its slow transposed matmuls. `webgpu` and `tensorflow` are
 * imported only when asked for.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedKernelsEnabled, setFusedKernels } from "../kernels/switch.ts";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "./gradients.ts";
import { installWasmKernels } from "./wasm_kernels.ts";
import { type DeviceErrorHandler, guardWebgpuErrors, loadWebgpuBackend } from "./webgpu.ts";
import { installNativeBackend, NATIVE } from "./native.ts";
import {
  loadNativeLibs,
  type NativeKernelMode,
  nativeThreads,
  setNativeKernelMode,
} from "./native_ffi.ts";
import type { KernelIdentity } from "./kernel_identity.ts";
import { loadTensorflowBackend } from "./tensorflow.ts";
import { BackendUnavailableError } from "./unavailable.ts";

export { BackendUnavailableError };

/** The backends this project knows how to start. */
export const BACKENDS = ["native", "wasm", "cpu", "webgpu", "tensorflow"] as const;

/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

/** Effective settings of the active backend, for a run's meta.json. */
export interface BackendInfo {
  /** The active backend. */
  readonly name: BackendName;
  /**
   * Worker threads doing the math (wasm: its thread pool, 1 when single-threaded; native:
   * OpenBLAS' and oneDNN's threads).
   */
  readonly threads: number | null;
  /** wasm, native: whether the SIMD build runs. null for other backends. */
  readonly simd: boolean | null;
  /** Kernels this project added or replaced on the active backend. */
  readonly kernelOverrides: readonly string[];
  /** webgpu: the adapter; tensorflow: the package that provided it; native: the libraries. */
  readonly device: string | null;
  /** tf.js core version. */
  readonly tfjsVersion: string;
  /** What determines the numbers of this backend's kernels (recorded in results folders). */
  readonly kernels: KernelIdentity;
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads the backend's math may use (native libraries; the grid's workers divide the
   * cores among themselves with it). Backends that cannot use threads ignore it. Default:
   * the backend's own choice (native: all logical cores).
   */
  readonly threads?: number;
  /**
   * native: how OpenBLAS and oneDNN pick their kernels, fixed at the first native start of a
   * process (see `NativeKernelMode`). Default `reproducible`: the same bits on every x86-64
   * machine with AVX2; `fast` takes the processor's best kernels.
   */
  readonly kernels?: NativeKernelMode;
  /**
   * Whether models, training steps and optimizers run the fused training kernels
   * (`setFusedKernels`); left as it is when not given (on by default).
   */
  readonly fused?: boolean;
  /**
   * webgpu: called with the first WebGPU error tf.js did not catch (its results would be
   * wrong). Default: one line on stderr and exit 1.
   */
  readonly onDeviceError?: DeviceErrorHandler;
}

let overrides: string[] = [];
let native: string[] = [];
let device: string | null = null;

/**
 * Why the `native` backend cannot load here (no `--allow-ffi` for its libraries, or a library
 * missing), or `null` when it can. Never prompts for a permission and prints nothing.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { defaultBackend, nativeUnavailableReason } from "@lalc/large-batch/backend";
 * const reason = nativeUnavailableReason(); // e.g. "no --allow-ffi for /usr/lib/..."
 * assertEquals(await defaultBackend(), reason === null ? "native" : "wasm");
 * ```
 */
export function nativeUnavailableReason(): string | null {
  const libs = loadNativeLibs();
  return typeof libs === "string" ? libs : null;
}

/**
 * The default backend: `native` when its libraries open (and `--allow-ffi` names them), else
 * `wasm`. Silent: {@link nativeUnavailableReason} says why it is not `native`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { defaultBackend } from "@lalc/large-batch/backend";
 * assertEquals(["native", "wasm"].includes(await defaultBackend()), true);
 * ```
 */
export function defaultBackend(): Promise<BackendName> {
  return Promise.resolve(nativeUnavailableReason() === null ? "native" : "wasm");
}

/**
 * Makes `name` the active tf.js backend and waits until it is ready. For `wasm` and `native`
 * it first installs this project's kernels (once per process); for `native` it also sets the
 * libraries' threads (`options.threads`, default all logical cores). A backend that cannot
 * start here (native's libraries, webgpu's adapter, tensorflow's package) throws a
 * {@link BackendUnavailableError} saying why. `wasm` and `native` read tf.js's `.wasm` binary
 * from disk, so they need `--allow-read` (at least for the npm cache or `node_modules`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * await useBackend("cpu");
 * assertEquals(tf.getBackend(), "cpu");
 * ```
 */
export async function useBackend(
  name: BackendName,
  options: UseBackendOptions = {},
): Promise<BackendName> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${name}"; allowed: ${BACKENDS.join(", ")}`);
  }
  const threads = options.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`threads: got ${threads}; allowed: an integer >= 1`);
  }
  device = null;
  if (options.fused !== undefined) setFusedKernels(options.fused);
  if (name === "wasm" || name === "native") overrides = installWasmKernels();
  if (name === "native") {
    if (options.kernels !== undefined) setNativeKernelMode(options.kernels);
    native = await installNativeBackend(threads ?? navigator.hardwareConcurrency);
    const libs = loadNativeLibs();
    device = typeof libs === "string" ? null : libs.kernels.libraries;
  }
  if (name === "webgpu") device = await loadWebgpuBackend();
  if (name === "tensorflow") device = await loadTensorflowBackend();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend "${name}" failed to initialize`);
  await tf.ready();
  if (name === "webgpu") {
    const gpu = (tf.backend() as unknown as { device: EventTarget }).device;
    guardWebgpuErrors(gpu, options.onDeviceError);
  }
  return name;
}

/**
 * Reports the active backend's effective settings.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { backendInfo, useBackend } from "@lalc/large-batch/backend";
 * await useBackend("wasm");
 * assertEquals(backendInfo().name, "wasm");
 * ```
 */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  let threads: number | null = null;
  let simd: boolean | null = null;
  if (name === "wasm" || name === NATIVE) {
    const wasm = (tf.backend() as unknown as {
      wasm: { tfjs: { getThreadsCount(): number } };
    }).wasm;
    threads = name === NATIVE ? nativeThreads() : wasm.tfjs.getThreadsCount();
    // The flag is resolved (and cached) by the time the backend is ready.
    simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  } else if (name === "cpu") {
    threads = 1;
  }
  return {
    name,
    threads,
    simd,
    kernels: kernelIdentity(name, threads, simd),
    kernelOverrides: name === "wasm"
      ? [...overrides]
      : name === NATIVE
      ? [...new Set([...overrides, ...native])]
      : [],
    device,
    tfjsVersion: tf.version_core,
  };
}

/** The identity of the active backend's kernels (see {@link BackendInfo.kernels}). */
function kernelIdentity(
  name: BackendName,
  threads: number | null,
  simd: boolean | null,
): KernelIdentity {
  const base = {
    backend: name,
    threads,
    mode: null,
    isa: null,
    blasCore: null,
    device,
    fused: fusedKernelsEnabled(),
  };
  const wasm = `tfjs-backend-wasm ${tf.version_core}${simd ? " (SIMD)" : ""}`;
  if (name === NATIVE) {
    const libs = loadNativeLibs();
    if (typeof libs !== "string") {
      const { mode, isa, blasCore, libraries } = libs.kernels;
      return { ...base, mode, isa, blasCore, device: null, libraries: `${wasm}, ${libraries}` };
    }
  }
  if (name === "wasm") return { ...base, libraries: wasm };
  return { ...base, libraries: `tfjs-backend-${name} ${tf.version_core}` };
}
