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
  // C strings, as addresses (usize): see readNativeWords.
  openblas_get_corename: { parameters: [], result: "usize" },
  openblas_get_config: { parameters: [], result: "usize" },
  copy_words: {
    name: "cblas_scopy",
    parameters: ["i32", "usize", "i32", "buffer", "i32"],
    result: "void",
  },
} as const;

const DNNL_SYMBOLS = {
  dnnl_set_max_cpu_isa: { parameters: ["i32"], result: "i32" },
  dnnl_get_effective_cpu_isa: { parameters: [], result: "i32" },
  dnnl_version: { parameters: [], result: "usize" },
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
  /** The kernels the libraries chose (instruction set, core type, versions). */
  readonly kernels: NativeKernels;
}

/**
 * How the native libraries pick their kernels, fixed when they are first opened in a process.
 *
 * - `reproducible` (the default): the same code path on every x86-64 machine with AVX2, so
 *   results are bit-identical across machines: oneDNN is capped at AVX2
 *   (`dnnl_set_max_cpu_isa`) and OpenBLAS runs its Haswell kernels (`OPENBLAS_CORETYPE`, set
 *   before the library loads; it needs `--allow-env=OPENBLAS_CORETYPE`).
 * - `fast`: each library takes the best kernels for this processor (oneDNN's widest
 *   instruction set; OpenBLAS's own core detection, or the `OPENBLAS_CORETYPE` already in the
 *   environment). Numbers then depend on the machine.
 */
export type NativeKernelMode = "reproducible" | "fast";

/** The kernel modes, for option parsing. */
export const NATIVE_KERNEL_MODES: readonly NativeKernelMode[] = ["reproducible", "fast"];

/** What the native libraries run, as read back from them after they loaded. */
export interface NativeKernels {
  /** The mode they were opened in. */
  readonly mode: NativeKernelMode;
  /** Whether the mode's pins took effect (false: no AVX2, or no `--allow-env` for the pin). */
  readonly pinned: boolean;
  /** Why they did not, when `pinned` is false in `reproducible` mode. */
  readonly unpinnedWhy: string | null;
  /** oneDNN's effective instruction set, e.g. `avx2`, `avx512_core_bf16`. */
  readonly isa: string;
  /** OpenBLAS' core type, e.g. `Haswell`, `SkylakeX`. */
  readonly blasCore: string;
  /** Library versions, e.g. `OpenBLAS 0.3.21, oneDNN 2.6.3`. */
  readonly libraries: string;
}

/** The core type OpenBLAS runs in `reproducible` mode: its AVX2 + FMA kernels. */
export const REPRODUCIBLE_BLAS_CORE = "Haswell";
/** oneDNN's `dnnl_cpu_isa_avx2`, the cap of `reproducible` mode. */
const DNNL_ISA_AVX2 = 0x7;
/** oneDNN 2.x's `dnnl_cpu_isa_t` values (a bit mask: each includes the ones below it). */
const DNNL_ISA_NAMES: Record<number, string> = {
  0x0: "all",
  0x1: "sse41",
  0x3: "avx",
  0x7: "avx2",
  0xf: "avx512_mic",
  0x1f: "avx512_mic_4ops",
  0x27: "avx512_core",
  0x67: "avx512_core_vnni",
  0xe7: "avx512_core_bf16",
  0x3e7: "avx512_core_amx",
  0x407: "avx2_vnni",
};

let loaded: NativeLibs | string | undefined;
let requestedMode: NativeKernelMode = "reproducible";

/**
 * Chooses the kernel mode of this process's native libraries. Call it before they are first
 * opened (before the first `useBackend("native")`, `defaultBackend()` or `loadNativeLibs()`);
 * every worker of a process must ask for the same mode.
 *
 * @throws {Error} when the libraries are already open in another mode.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { nativeKernelMode, setNativeKernelMode } from "./native_ffi.ts";
 * setNativeKernelMode("reproducible"); // the default
 * assertEquals(nativeKernelMode(), "reproducible");
 * ```
 */
export function setNativeKernelMode(mode: NativeKernelMode): void {
  if (!NATIVE_KERNEL_MODES.includes(mode)) {
    throw new Error(`kernel mode "${mode}"; allowed: ${NATIVE_KERNEL_MODES.join(", ")}`);
  }
  if (typeof loaded === "object" && loaded.kernels.mode !== mode) {
    throw new Error(
      `the native libraries are already open in ${loaded.kernels.mode} mode; ` +
        "a process runs one mode (choose it before the first native backend starts)",
    );
  }
  requestedMode = mode;
}

/** The kernel mode the native libraries are (or will be) opened in. */
export function nativeKernelMode(): NativeKernelMode {
  return typeof loaded === "object" ? loaded.kernels.mode : requestedMode;
}

/**
 * Why the native libraries, opened in `reproducible` mode, could not pin their kernels (no
 * AVX2, or no `--allow-env=OPENBLAS_CORETYPE`), or null: pinned, not opened, or `fast` mode.
 */
export function nativeUnpinnedWhy(): string | null {
  return typeof loaded === "object" ? loaded.kernels.unpinnedWhy : null;
}

/** Whether `--allow-ffi` covers `path` (never prompts). */
function ffiGranted(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi", path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Copies `words` 4-byte words at native address `address` into a JS buffer, one word per
 * OpenBLAS `scopy` call. Why so: the libraries return their core name, configuration and
 * version as pointers; `Deno.UnsafePointerView` would need an unscoped `--allow-ffi`; and a
 * longer `scopy` may use aligned vector loads, which fault on an unaligned C string (seen with
 * the SkylakeX kernels). Reading stops after a word holding a NUL byte when `text` is set.
 */
function readNativeWords(
  blas: NativeLibs["blas"],
  address: number | bigint,
  words: number,
  text: boolean,
): Uint8Array {
  const bytes = new Uint8Array(words * 4);
  if (BigInt(address) === 0n) return bytes.subarray(0, 0);
  for (let i = 0; i < words; i++) {
    const word = bytes.subarray(4 * i, 4 * i + 4);
    blas.copy_words(1, BigInt(address) + BigInt(4 * i), 1, word, 1);
    if (text && word.includes(0)) return bytes.subarray(0, 4 * i + word.indexOf(0));
  }
  return bytes;
}

/** The C string at native address `address` (at most `words * 4` bytes). */
function readNativeText(blas: NativeLibs["blas"], address: number | bigint, words: number): string {
  const text = new TextDecoder().decode(readNativeWords(blas, address, words, true));
  return text === "" ? "unknown" : text;
}

/** OpenBLAS' version from its configuration text (`OpenBLAS 0.3.21 DYNAMIC_ARCH ...`). */
function openblasVersion(config: string): string {
  return /^OpenBLAS (\S+)/.exec(config)?.[1] ?? "unknown";
}

/** Sets OPENBLAS_CORETYPE before OpenBLAS loads; the reason it could not, or null. */
function pinBlasCore(): string | null {
  try {
    Deno.env.set("OPENBLAS_CORETYPE", REPRODUCIBLE_BLAS_CORE);
    return null;
  } catch {
    return "no --allow-env=OPENBLAS_CORETYPE to pin OpenBLAS' core type";
  }
}

/**
 * Opens the native libraries once per process, in the mode {@link setNativeKernelMode} chose
 * (default `reproducible`); returns them, or a one-line reason why not (no `--allow-ffi` for
 * a path, or a library missing).
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
 *   console.log(libs.kernels.isa, libs.kernels.blasCore); // "avx2 Haswell" in reproducible mode
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
  const mode = requestedMode;
  try {
    // oneDNN first: its instruction set can be capped only before its first query, and it
    // tells whether this processor has AVX2 before OpenBLAS is told to assume it.
    const dnnl = Deno.dlopen(DNNL_PATH, DNNL_SYMBOLS).symbols;
    let unpinnedWhy: string | null = null;
    if (mode === "reproducible") dnnl.dnnl_set_max_cpu_isa(DNNL_ISA_AVX2);
    const isaCode = dnnl.dnnl_get_effective_cpu_isa();
    if (mode === "reproducible") {
      unpinnedWhy = isaCode === DNNL_ISA_AVX2
        ? pinBlasCore()
        : "this processor has no AVX2: the libraries take their own kernels";
    }
    const blas = Deno.dlopen(OPENBLAS_PATH, BLAS_SYMBOLS).symbols;
    const gomp = Deno.dlopen(GOMP_PATH, GOMP_SYMBOLS).symbols;
    // dnnl_version_t starts with three ints: major, minor, patch.
    const versionBytes = readNativeWords(blas, dnnl.dnnl_version(), 3, false);
    const dnnlVersion = versionBytes.length === 12
      ? new Int32Array(versionBytes.buffer, versionBytes.byteOffset, 3)
      : ["unknown"];
    const blasCore = readNativeText(blas, blas.openblas_get_corename(), 8);
    const config = readNativeText(blas, blas.openblas_get_config(), 64);
    // What runs decides, not what was asked: an environment may already name Haswell.
    const pinned = mode === "reproducible" && isaCode === DNNL_ISA_AVX2 &&
      blasCore === REPRODUCIBLE_BLAS_CORE;
    const kernels: NativeKernels = {
      mode,
      pinned,
      unpinnedWhy: mode === "reproducible" && !pinned
        ? unpinnedWhy ?? `OpenBLAS runs ${blasCore}, not ${REPRODUCIBLE_BLAS_CORE}`
        : null,
      isa: DNNL_ISA_NAMES[isaCode] ?? `0x${isaCode.toString(16)}`,
      blasCore,
      libraries: `OpenBLAS ${openblasVersion(config)}, oneDNN ${dnnlVersion.join(".")}`,
    };
    loaded = { blas, dnnl, gomp, kernels };
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
