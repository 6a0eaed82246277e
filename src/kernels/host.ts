/**
 * Reading and writing tensors where they lie, for kernels written as plain loops over typed
 * arrays: the `cpu` backend keeps a tensor's values in a JavaScript typed array, the `wasm`
 * and `native` backends in their WebAssembly heap. One kernel body serves all three.
 *
 * Why plain loops: the fused kernels of this folder replace dozens of tf.js dispatches
 * (~5-20 µs each) with one, and a branch-free loop over a `Float32Array` costs ~0.6 ns per
 * element and pass on the 2-core CI machine (AVX-512, Deno 2.9; a loop with a data-dependent
 * branch such as `v > 0 ? v : 0` costs ~4-6 ns, so ReLU is written `(v + |v|) / 2`).
 * Arithmetic is in float64 and rounded to float32 once per stored element, the same on every
 * machine (JavaScript forbids fused multiply-add contraction).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type WasmHeap, wasmHeapOf } from "./wasm_heap.ts";

/** The typed array a float32 or int32 tensor's data is read through. */
export type HostArray = Float32Array | Int32Array;

/** What a kernel body needs of a host backend. */
export interface HostIO {
  /**
   * Makes the kernel's outputs. Call it once, before taking any {@link HostIO.view}: on
   * wasm, making an output may grow the heap, which detaches every view taken before.
   */
  allocate(specs: readonly OutputSpec[]): tf.TensorInfo[];
  /** The data of `info` (an input or an output), valid until the next `allocate`. */
  view(info: tf.TensorInfo): HostArray;
  /** A float32 view (throws when `info` is not float32). */
  floats(info: tf.TensorInfo): Float32Array;
  /**
   * The wasm heap the data lies in, for the kernels' SIMD loops (`wasm`, `native`; see
   * ./wasm_heap.ts); undefined on `cpu` and where the heap is not usable.
   */
  readonly heap?: WasmHeap;
}

/** Shape and dtype of one output. */
export interface OutputSpec {
  /** The output's shape. */
  readonly shape: readonly number[];
  /** `float32` unless given. */
  readonly dtype?: "float32" | "int32";
}

interface WasmLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HostArray;
}

interface CpuLike extends tf.KernelBackend {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: HostArray): tf.TensorInfo;
}

function wasmIO(backend: WasmLike): HostIO {
  const io: HostIO = {
    allocate: (specs) => specs.map((s) => backend.makeOutput([...s.shape], s.dtype ?? "float32")),
    view: (info) => backend.typedArrayFromHeap(info),
    floats: (info) => asFloats(io.view(info), info),
    heap: wasmHeapOf(backend),
  };
  return io;
}

function cpuIO(backend: CpuLike): HostIO {
  const io: HostIO = {
    allocate: (specs) =>
      specs.map((s) => {
        const size = tf.util.sizeFromShape([...s.shape]);
        const dtype = s.dtype ?? "float32";
        const values = dtype === "int32" ? new Int32Array(size) : new Float32Array(size);
        return backend.makeTensorInfo([...s.shape], dtype, values);
      }),
    view: (info) => {
      const values = backend.data.get(info.dataId)?.values;
      if (!(values instanceof Float32Array || values instanceof Int32Array)) {
        throw new Error(`a ${info.dtype} tensor's data is not a Float32Array or Int32Array`);
      }
      return values;
    },
    floats: (info) => asFloats(io.view(info), info),
  };
  return io;
}

/** Zeroed float64 tables of one length, and where they lie. */
export interface Float64Tables {
  /** The tables. */
  readonly tables: Float64Array[];
  /** Whether they lie on the wasm heap (where a SIMD loop can read them). */
  readonly onHeap: boolean;
  /** Frees their heap block, if any; call once, when done with them. */
  release(): void;
}

/**
 * `count` zeroed float64 tables of `length` each: in one block of `heap` when given (views
 * valid until the heap next grows: take them after every other allocation), else plain
 * arrays, as also when the heap has no room.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { float64Tables } from "./host.ts";
 * const { tables, onHeap, release } = float64Tables(undefined, 2, 3);
 * assertEquals([tables.length, tables[1].length, onHeap], [2, 3, false]);
 * release();
 * ```
 */
export function float64Tables(
  heap: WasmHeap | undefined,
  count: number,
  length: number,
): Float64Tables {
  const pointer = heap === undefined ? 0 : heap.malloc(Math.max(8, 8 * count * length));
  if (heap === undefined || pointer === 0 || pointer % 8 !== 0) {
    if (pointer !== 0) heap!.free(pointer);
    const tables = Array.from({ length: count }, () => new Float64Array(length));
    return { tables, onHeap: false, release: () => {} };
  }
  const block = new Float64Array(heap.memory.buffer, pointer, count * length).fill(0);
  const tables = Array.from(
    { length: count },
    (_, k) => block.subarray(k * length, (k + 1) * length),
  );
  return { tables, onHeap: true, release: () => heap.free(pointer) };
}

function asFloats(array: HostArray, info: tf.TensorInfo): Float32Array {
  if (!(array instanceof Float32Array)) {
    throw new Error(`expected a float32 tensor, got ${info.dtype} of shape [${info.shape}]`);
  }
  return array;
}

/**
 * The {@link HostIO} of `backend`: tf.js' `wasm` backend and this project's `native` (its
 * heap), or `cpu` (its typed arrays).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { hostIO } from "./host.ts";
 * await useBackend("cpu");
 * const x = tf.tensor1d([1, 2, 3]);
 * const io = hostIO(tf.backend());
 * const [out] = io.allocate([{ shape: [3] }]);
 * const [src, dst] = [io.floats(x), io.floats(out)];
 * for (let i = 0; i < 3; i++) dst[i] = 2 * src[i];
 * const y = tf.engine().makeTensorFromTensorInfo(out);
 * assertEquals(Array.from(y.dataSync()), [2, 4, 6]);
 * tf.dispose([x, y]);
 * ```
 */
export function hostIO(backend: tf.KernelBackend): HostIO {
  if ("typedArrayFromHeap" in backend && "makeOutput" in backend) {
    return wasmIO(backend as WasmLike);
  }
  if ("data" in backend && "makeTensorInfo" in backend) return cpuIO(backend as CpuLike);
  throw new Error("hostIO: the backend keeps its data neither in a wasm heap nor in typed arrays");
}
