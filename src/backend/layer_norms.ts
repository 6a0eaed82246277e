/**
 * The wasm backend's `LayerSquaredNorms` kernel: every tensor's squared L2 norm of one
 * optimizer step in ONE dispatch that reads each float once. (cpu's and webgpu's are in
 * src/kernels/step_norms/, registered when this module loads.) The optimizers
 * (`src/optim/_norms.ts`) use it whenever the active backend has it registered, else
 * `stack(sum(square))`.
 *
 * Registering it touches only tfjs-core's kernel registry, keyed by the backend's NAME: it
 * neither imports `@tensorflow/tfjs-backend-wasm` nor changes which backend is active, so it
 * is safe to call before (or without) loading that backend. `useBackend("wasm")` calls it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { SQUARED_NORMS_KERNEL } from "../kernel_names.ts";
import { sumOfSquaresIn } from "./_simd_sum_squares.ts";
import type { WasmHeapBackend } from "./wasm_heap.ts";
// Registers LayerSquaredNorms for cpu and webgpu (and the step's StepNorms): with this SIMD
// kernel for wasm (copied to native), the squared norms are one kernel on every backend.
import "../kernels/step_norms/step_norms.ts";

const BACKEND = "wasm";

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

/**
 * Registers the `LayerSquaredNorms` kernel for the wasm backend (once; later calls do
 * nothing). Call it when you load `@tensorflow/tfjs-backend-wasm` yourself instead of
 * through `useBackend("wasm")`; without it the optimizers are just as exact, and slower on
 * wasm. Returns the kernel's name.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { registerLayerNormKernels } from "@lalc/large-batch/backend";
 * assertEquals(registerLayerNormKernels(), "LayerSquaredNorms");
 * assert(tf.getKernel("LayerSquaredNorms", "wasm") !== undefined);
 * assertEquals(registerLayerNormKernels(), "LayerSquaredNorms"); // a second call does nothing
 * ```
 */
export function registerLayerNormKernels(): string {
  if (tf.getKernel(SQUARED_NORMS_KERNEL, BACKEND) === undefined) {
    tf.registerKernel({
      kernelName: SQUARED_NORMS_KERNEL,
      backendName: BACKEND,
      kernelFunc: squaredNormsWasm as tf.KernelFunc,
    });
  }
  return SQUARED_NORMS_KERNEL;
}
