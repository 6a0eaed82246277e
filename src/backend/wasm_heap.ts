/**
 * What this project's kernels use of tf.js' wasm backend: its heap. tf.js 4.22 exports no
 * type for these members, so they are declared once here and every kernel casts to it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/** The members of tf.js' `BackendWasm` the kernels of src/backend read the heap through. */
export interface WasmHeapBackend extends tf.KernelBackend {
  /** A new output tensor's storage on the heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the heap over a tensor's data (detached when the memory grows). */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  /** The byte offset of a tensor's data on the heap. */
  getMemoryOffset(dataId: tf.DataId): number;
  /** Frees a tensor's storage. */
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  /**
   * The Emscripten module; `asm.memory` is the heap's `WebAssembly.Memory` (squared_norms.ts
   * checks it at run time and falls back where a build of the backend names it otherwise).
   */
  wasm: { asm: { memory: WebAssembly.Memory } };
}
