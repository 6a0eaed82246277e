/**
 * `BatchMatMul` and `_FusedMatMul` on OpenBLAS' `cblas_sgemm`, in place on tf.js' wasm heap:
 * one sgemm per batch entry, with the transposes passed to BLAS (no copy). OpenBLAS runs 5 to
 * 8 times tf.js wasm's matmul rate on the training shapes, on as many threads as it is given.
 *
 * `_FusedMatMul`'s bias and activation are applied afterwards with the wasm backend's own
 * `Add` and activation kernels (this also sidesteps tf.js 4.22's batched fused-bias bug, see
 * matmul_transpose.ts). Anything this does not cover (non-float32 operands, batch shapes that
 * broadcast other than "equal" or "one side has one matrix", empty inner dimension) goes to
 * `fallback`, the wasm backend's kernel with this project's overrides: never a wrong result.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";
import { activate } from "./matmul_transpose.ts";
import { heapView, nativeCalls, type NativeLibs } from "./native_ffi.ts";

/** What these kernels need of tf.js' wasm backend. */
export interface NativeHeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  getMemoryOffset(dataId: tf.DataId): number;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  /** The Emscripten module; `asm.memory` is the heap's `WebAssembly.Memory`. */
  wasm: { asm: { memory: WebAssembly.Memory } };
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

const product = (dims: readonly number[]) => dims.reduce((p, q) => p * q, 1);

/**
 * C = op(A)·op(B) for `a`, `b` with the BatchMatMul contract, into a new tensor; null when the
 * case is not covered (see the module doc).
 */
export function nativeBatchMatMul(
  libs: NativeLibs,
  backend: NativeHeapBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb || k === 0) return null;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const na = product(batchA);
  const nb = product(batchB);
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && na !== 1 && nb !== 1) return null;
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const batches = Math.max(na, nb);
  const out = backend.makeOutput([...batchShape, m, n], "float32");
  if (m * n === 0) return out;
  // After the allocation: it may have grown the heap.
  const memory = backend.wasm.asm.memory;
  const offA = backend.getMemoryOffset(a.dataId);
  const offB = backend.getMemoryOffset(b.dataId);
  const offC = backend.getMemoryOffset(out.dataId);
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  const ta = transposeA ? TRANS : NO_TRANS;
  const tb = transposeB ? TRANS : NO_TRANS;
  for (let i = 0; i < batches; i++) {
    libs.blas.cblas_sgemm(
      ROW_MAJOR,
      ta,
      tb,
      m,
      n,
      k,
      1,
      heapView(memory, offA + (na === 1 ? 0 : i * m * k * 4), m * k * 4),
      lda,
      heapView(memory, offB + (nb === 1 ? 0 : i * k * n * 4), k * n * 4),
      ldb,
      0,
      heapView(memory, offC + i * m * n * 4, m * n * 4),
      n,
    );
  }
  return out;
}

/** `BatchMatMul` for the `native` backend; `fallback` is the wasm one (with overrides). */
export function nativeBatchMatMulConfig(
  libs: NativeLibs,
  fallback: tf.KernelConfig,
  backendName: string,
): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const out = nativeBatchMatMul(
      libs,
      args.backend as NativeHeapBackend,
      a,
      b,
      args.attrs?.transposeA === true,
      args.attrs?.transposeB === true,
    );
    if (out !== null) {
      nativeCalls.native++;
      return out;
    }
    nativeCalls.fallback++;
    return fallback.kernelFunc(args);
  };
  return { ...fallback, backendName, kernelFunc };
}

/** `_FusedMatMul` for the `native` backend; `fallback` is the wasm one (with overrides). */
export function nativeFusedMatMulConfig(
  libs: NativeLibs,
  fallback: tf.KernelConfig,
  backendName: string,
): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const inputs = args.inputs as tf.NamedTensorInfoMap;
    const attrs = args.attrs ?? {};
    const backend = args.backend as NativeHeapBackend;
    const activation = (attrs.activation as string | undefined) ?? "linear";
    const known = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"];
    const y = !known.includes(activation) ? null : nativeBatchMatMul(
      libs,
      backend,
      inputs.a as tf.TensorInfo,
      inputs.b as tf.TensorInfo,
      attrs.transposeA === true,
      attrs.transposeB === true,
    );
    if (y === null) {
      nativeCalls.fallback++;
      return fallback.kernelFunc(args);
    }
    nativeCalls.native++;
    const bias = inputs.bias as tf.TensorInfo | undefined;
    if (bias == null && activation === "linear") return y;
    const temps: tf.TensorInfo[] = [y];
    try {
      let z = y;
      if (bias != null) {
        z = callKernel("wasm", backend, "Add", { a: y, b: bias });
        temps.push(z);
      }
      return activate(backend, z, attrs, inputs);
    } finally {
      freeAll(backend, temps);
    }
  };
  return { ...fallback, backendName, kernelFunc };
}
