/**
 * Backend selection. `wasm` is the default: fast and embedded, it runs anywhere; this project
 * adds the kernels it lacks for training CNNs and replaces its slow transposed matmuls.
 * `webgpu` and `tensorflow` are imported only when asked for.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "./gradients.ts";
import { installWasmKernels } from "./wasm_kernels.ts";
import { loadWebgpuBackend } from "./webgpu.ts";
import { loadTensorflowBackend } from "./tensorflow.ts";

/** The backends this project knows how to start. */
export const BACKENDS = ["wasm", "cpu", "webgpu", "tensorflow"] as const;

/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

/** Effective settings of the active backend, for a run's meta.json. */
export interface BackendInfo {
  /** The active backend. */
  readonly name: BackendName;
  /** Worker threads doing the math (wasm: its thread pool; 1 when single-threaded). */
  readonly threads: number | null;
  /** wasm: whether the SIMD build runs. null for other backends. */
  readonly simd: boolean | null;
  /** Kernels this project added or replaced on the active backend. */
  readonly kernelOverrides: readonly string[];
  /** webgpu: the adapter; tensorflow: the package that provided it. */
  readonly device: string | null;
  /** tf.js core version. */
  readonly tfjsVersion: string;
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads the backend's math may use (native libraries; the grid's workers divide the
   * cores among themselves with it). Backends that cannot use threads ignore it. Default:
   * the backend's own choice.
   */
  readonly threads?: number;
}

let overrides: string[] = [];
let device: string | null = null;

/**
 * Makes `name` the active tf.js backend and waits until it is ready. For `wasm` it first
 * installs this project's kernels (once per process).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "./backend.ts";
 * await useBackend("cpu");
 * assertEquals(tf.getBackend(), "cpu");
 * ```
 */
export async function useBackend(
  name: BackendName,
  _options: UseBackendOptions = {},
): Promise<BackendName> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${name}"; allowed: ${BACKENDS.join(", ")}`);
  }
  device = null;
  if (name === "wasm") overrides = installWasmKernels();
  if (name === "webgpu") device = await loadWebgpuBackend();
  if (name === "tensorflow") device = await loadTensorflowBackend();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend "${name}" failed to initialize`);
  await tf.ready();
  return name;
}

/**
 * Reports the active backend's effective settings.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { backendInfo, useBackend } from "./backend.ts";
 * await useBackend("wasm");
 * assertEquals(backendInfo().name, "wasm");
 * ```
 */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  let threads: number | null = null;
  let simd: boolean | null = null;
  if (name === "wasm") {
    const wasm = (tf.backend() as unknown as {
      wasm: { tfjs: { getThreadsCount(): number } };
    }).wasm;
    threads = wasm.tfjs.getThreadsCount();
    // The flag is resolved (and cached) by the time the backend is ready.
    simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  } else if (name === "cpu") {
    threads = 1;
  }
  return {
    name,
    threads,
    simd,
    kernelOverrides: name === "wasm" ? [...overrides] : [],
    device,
    tfjsVersion: tf.version_core,
  };
}
