/**
 * Per-tensor squared L2 norms, computed on the device and returned as ONE vector so the
 * layer-wise ratios of all tensors are a handful of vector ops instead of a few scalar ops per
 * tensor, and nothing is read back to the CPU.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeapBackend } from "./wasm_heap.ts";
import { sumOfSquaresIn } from "./_simd_sum_squares.ts";

/** The kernel this module adds to tf.js' wasm backend: inputs a list of tensors, output [n]. */
export const SQUARED_NORMS_KERNEL = "LayerSquaredNorms";

// One SIMD instance per wasm memory (one per backend instance).
const summers = new WeakMap<object, (view: Float32Array) => number>();

function summerFor(backend: WasmHeapBackend): (view: Float32Array) => number {
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    // An unknown build of the backend: the same fused kernel, as a JS loop over the heap.
    return sumOfSquaresIn(new WebAssembly.Memory({ initial: 1 }));
  }
  let summer = summers.get(memory);
  if (summer === undefined) summers.set(memory, summer = sumOfSquaresIn(memory));
  return summer;
}

/**
 * Why a kernel of our own on wasm: measured there (Deno 2.9, tf.js 4.22, one core), the norms
 * of the 34 weight/update tensors of a 16-block 256-wide MLP cost ~3 tf.js dispatches each
 * (~5 us apiece) plus a full-size write (`Square`) that a reduction does not need: 1.09 ms as
 * Square + AvgPool, about half a momentum step. This kernel is one dispatch that reads each
 * float once (see _simd_sum_squares.ts).
 */
function squaredNormsWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
}): tf.TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  // Allocate first: growing the wasm memory detaches earlier views of the heap.
  const out = backend.makeOutput([inputs.length], "float32");
  const sum = summerFor(backend);
  const sums = inputs.map((x) => sum(backend.typedArrayFromHeap(x)));
  backend.typedArrayFromHeap(out).set(sums);
  return out;
}

function ensureKernel(): void {
  if (tf.getKernel(SQUARED_NORMS_KERNEL, "wasm") === undefined) {
    tf.registerKernel({
      kernelName: SQUARED_NORMS_KERNEL,
      backendName: "wasm",
      kernelFunc: squaredNormsWasm as tf.KernelFunc,
    });
  }
}

/** `[||x_0||^2, ..., ||x_k||^2]` as one float32 vector (empty input gives shape [0]). */
export function squaredNorms(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  if (tensors.length === 0) return tf.zeros([0]);
  if (tf.getBackend() === "wasm" && tensors.every((t) => t.dtype === "float32")) {
    ensureKernel();
    return tf.engine().runKernel(
      SQUARED_NORMS_KERNEL,
      tensors as unknown as tf.NamedTensorMap,
    ) as tf.Tensor1D;
  }
  return tf.stack(tensors.map((t) => tf.tidy(() => tf.sum(tf.square(t))))) as tf.Tensor1D;
}
