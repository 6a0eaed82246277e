/**
 * tf.js-wasm's heap as this folder's SIMD loops see it: the `WebAssembly.Memory` the tensors
 * live in (imported by the loops' own small modules, so they read and write tensors in
 * place) and its `malloc` for scratch tables. `wasm` and `native` share one backend instance,
 * hence one heap; `cpu` has none.
 *
 * Where to find them: tf.js 4.22's `BackendWasm` keeps the Emscripten module as `wasm`, whose
 * `asm.memory` is the memory and `_malloc` / `_free` the allocator tf.js itself stores
 * tensors with. tf.js types none of it, so it is checked at run time; a build that names them
 * otherwise, or a shared memory (threaded builds, whose import would need the memory's
 * maximum), gets no heap, and the kernels keep their JavaScript loops.
 *
 * @module
 */

/** The heap of a wasm-backed tf.js backend. */
export interface WasmHeap {
  /** The memory every tensor of the backend lives in. */
  readonly memory: WebAssembly.Memory;
  /**
   * The byte offset of `bytes` fresh bytes (8-byte aligned, contents undefined), 0 when the
   * allocator fails. May grow the memory, which detaches every view taken before.
   */
  malloc(bytes: number): number;
  /** Returns a block {@link WasmHeap.malloc} gave. */
  free(pointer: number): void;
}

interface EmscriptenLike {
  asm?: { memory?: unknown };
  _malloc?: (bytes: number) => number;
  _free?: (pointer: number) => void;
}

/** The heap of `backend`, or undefined where it has none this folder can use (see the module doc). */
export function wasmHeapOf(backend: object): WasmHeap | undefined {
  const wasm = (backend as { wasm?: EmscriptenLike }).wasm;
  const memory = wasm?.asm?.memory;
  const malloc = wasm?._malloc, free = wasm?._free;
  if (
    !(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer) ||
    typeof malloc !== "function" || typeof free !== "function"
  ) {
    return undefined;
  }
  return {
    memory,
    // Emscripten's malloc returns a signed int32; above 2 GiB the offset reads negative.
    malloc: (bytes) => malloc.call(wasm, bytes) >>> 0,
    free: (pointer) => free.call(wasm, pointer),
  };
}

/**
 * One compiled module instantiated once per memory: `exportsOn(memory)` gives the exports of
 * `bytes` bound to `memory` (imported as `m.memory`), or null where this engine cannot run
 * it (no wasm SIMD) or the memory does not link.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { memoryModule, ValType } from "./wasm_binary.ts";
 * import { perMemory } from "./wasm_heap.ts";
 * const exportsOn = perMemory(memoryModule([
 *   { name: "size", params: [], results: [ValType.i32], locals: [], body: [0x3f, 0] },
 * ]));
 * const memory = new WebAssembly.Memory({ initial: 2 });
 * assertEquals((exportsOn(memory)!.size as () => number)(), 2); // memory.size, in pages
 * assertEquals(exportsOn(memory), exportsOn(memory));
 * ```
 */
export function perMemory(
  bytes: Uint8Array<ArrayBuffer>,
): (memory: WebAssembly.Memory) => WebAssembly.Exports | null {
  let compiled: WebAssembly.Module | null | undefined;
  const instances = new WeakMap<WebAssembly.Memory, WebAssembly.Exports | null>();
  return (memory) => {
    compiled ??= WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    if (compiled === null) return null;
    let exports = instances.get(memory);
    if (exports === undefined) {
      try {
        exports = new WebAssembly.Instance(compiled, { m: { memory } }).exports;
      } catch {
        exports = null;
      }
      instances.set(memory, exports);
    }
    return exports;
  };
}

/** The byte offset of `view` in `memory`; throws when the view lies elsewhere (a bug). */
export function heapOffset(memory: WebAssembly.Memory, view: ArrayBufferView): number {
  if (view.buffer !== memory.buffer) {
    throw new Error("a SIMD loop was given a view that is not over the current wasm heap");
  }
  return view.byteOffset;
}
