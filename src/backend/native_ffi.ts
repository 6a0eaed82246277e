/**
 * The native libraries behind the `native` backend, opened with `Deno.dlopen`: Debian's
 * OpenBLAS (`libopenblas0-pthread`: `cblas_sgemm`) and oneDNN 2.6 (`libdnnl2`: convolutions),
 * plus GNU OpenMP's `omp_set_num_threads`, the thread control of Debian's oneDNN build.
 *
 * Nothing is opened unless the process may: {@link loadNativeLibs} first asks
 * `Deno.permissions` whether `--allow-ffi` covers each exact path (asking never prompts), so a
 * process started without the flag gets a reason string instead of a permission prompt.
 *
 * The kernels work in place on tf.js' wasm heap: {@link heapView} turns a byte offset in
 * the backend's `WebAssembly.Memory` into a view whose address the libraries get. The heap can grow
 * (`memory.grow` detaches the old `ArrayBuffer`), so callers take views only after their
 * last allocation.
 *
 * @module
 */

/** Debian `libopenblas0-pthread`: OpenBLAS with its own pthread pool. */
export const OPENBLAS_PATH = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";
/** Debian `libdnnl2`: oneDNN 2.6, built with GNU OpenMP. */
export const DNNL_PATH = "/usr/lib/x86_64-linux-gnu/libdnnl.so.2";
/** GNU OpenMP, which oneDNN links: its thread count is oneDNN's. */
export const GOMP_PATH = "/usr/lib/x86_64-linux-gnu/libgomp.so.1";
/** Every library the native backend opens (the exact `--allow-ffi` list). */
export const NATIVE_LIBRARY_PATHS = [OPENBLAS_PATH, DNNL_PATH, GOMP_PATH] as const;

const BLAS_SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  cblas_sgemv: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
} as const;

const DNNL_SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "usize", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["usize"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["usize", "buffer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["usize"], result: "usize" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "usize", "usize", "usize"],
    result: "i32",
  },
  dnnl_primitive_desc_query_md: { parameters: ["usize", "i32", "i32"], result: "usize" },
  // Two typings of one function: a descriptor we made lives in a JS buffer, one a primitive
  // chose is a pointer into oneDNN (handles and pointers travel as usize, see heapView).
  reorder_pd_from_js_md: {
    name: "dnnl_reorder_primitive_desc_create",
    parameters: ["buffer", "buffer", "usize", "usize", "usize", "usize"],
    result: "i32",
  },
  reorder_pd_to_js_md: {
    name: "dnnl_reorder_primitive_desc_create",
    parameters: ["buffer", "usize", "usize", "buffer", "usize", "usize"],
    result: "i32",
  },
  dnnl_primitive_create: { parameters: ["buffer", "usize"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "usize", "usize", "usize"], result: "i32" },
  memory_create_js_md: {
    name: "dnnl_memory_create",
    parameters: ["buffer", "buffer", "usize", "usize"],
    result: "i32",
  },
  dnnl_memory_set_data_handle: { parameters: ["usize", "buffer"], result: "i32" },
  dnnl_primitive_execute: {
    parameters: ["usize", "usize", "i32", "buffer"],
    result: "i32",
  },
} as const;

const GOMP_SYMBOLS = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
  omp_get_max_threads: { parameters: [], result: "i32" },
} as const;

/** The opened libraries. */
export interface NativeLibs {
  /** OpenBLAS' symbols. */
  readonly blas: Deno.DynamicLibrary<typeof BLAS_SYMBOLS>["symbols"];
  /** oneDNN's symbols. */
  readonly dnnl: Deno.DynamicLibrary<typeof DNNL_SYMBOLS>["symbols"];
  /** GNU OpenMP's symbols. */
  readonly gomp: Deno.DynamicLibrary<typeof GOMP_SYMBOLS>["symbols"];
}

let loaded: NativeLibs | string | undefined;

/** Whether `--allow-ffi` covers `path` (never prompts). */
function ffiGranted(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi", path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Opens the native libraries once per process; returns them, or a one-line reason why not
 * (no `--allow-ffi` for a path, or a library missing).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
 * import { loadNativeLibs } from "./native_ffi.ts";
 * const libs = loadNativeLibs();
 * strictEqual(loadNativeLibs(), libs); // opened once per process
 * if (typeof libs === "string") console.log(`no native kernels: ${libs}`);
 * else {
 *   const [a, b, c] = [Float32Array.of(2), Float32Array.of(3), new Float32Array(1)];
 *   // C = 1 * A B + 0 * C for 1x1 matrices (101: row-major, 111: no transpose)
 *   libs.blas.cblas_sgemm(101, 111, 111, 1, 1, 1, 1, a, 1, b, 1, 0, c, 1);
 *   assertEquals(c[0], 6);
 * }
 * ```
 */
export function loadNativeLibs(): NativeLibs | string {
  if (loaded !== undefined) return loaded;
  const denied = NATIVE_LIBRARY_PATHS.filter((p) => !ffiGranted(p));
  if (denied.length > 0) {
    loaded = `no --allow-ffi for ${denied.join(", ")}`;
    return loaded;
  }
  try {
    const blas = Deno.dlopen(OPENBLAS_PATH, BLAS_SYMBOLS).symbols;
    const dnnl = Deno.dlopen(DNNL_PATH, DNNL_SYMBOLS).symbols;
    const gomp = Deno.dlopen(GOMP_PATH, GOMP_SYMBOLS).symbols;
    loaded = { blas, dnnl, gomp };
  } catch (e) {
    loaded = `${(e as Error).message.split("\n")[0]} (Debian: apt-get install ` +
      "libopenblas0-pthread libdnnl2)";
  }
  return loaded;
}

/**
 * How many kernel calls of the `native` backend ran natively and how many fell back to the
 * wasm kernel (for tests that must know which path ran, and for profiles).
 */
export const nativeCalls = { native: 0, fallback: 0 };

/** The threads both libraries use, set with {@link setNativeThreads}. */
let threads = 0;

/**
 * Sets OpenBLAS' and oneDNN's (OpenMP's) thread count. Call it from the thread that runs the
 * kernels (the main one): OpenMP's setting is per calling thread.
 */
export function setNativeThreads(libs: NativeLibs, n: number): void {
  libs.blas.openblas_set_num_threads(n);
  libs.gomp.omp_set_num_threads(n);
  threads = n;
}

/** The thread count last set with {@link setNativeThreads} (0 before). */
export function nativeThreads(): number {
  return threads;
}

/**
 * A view of `bytes` bytes at byte `offset` of `memory` (tf.js' wasm heap), to pass as an FFI
 * `buffer` argument: the libraries get its address. (`Deno.UnsafePointer` would need an
 * unscoped `--allow-ffi`; buffer arguments work with the path-scoped one.) Take it after the
 * kernel's last allocation: an allocation may grow the heap and detach older views.
 */
export function heapView(memory: WebAssembly.Memory, offset: number, bytes: number): Uint8Array {
  return new Uint8Array(memory.buffer, offset, bytes);
}
