/**
 * Calls registered kernels of one backend directly, below the engine, so that a kernel we add
 * can be composed from the backend's own fast kernels without recording anything on the tape
 * or paying the engine's per-op bookkeeping.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** A backend that can drop one reference of a tensor's data. */
export interface DisposingBackend extends tf.KernelBackend {
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/**
 * Runs kernel `name` of `backendName` on `inputs`; the caller owns (and must free) the result.
 */
export function callKernel(
  backendName: string,
  backend: tf.KernelBackend,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (kernel === undefined) {
    throw new Error(`kernel "${name}" is not registered for backend "${backendName}"`);
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new Error(`kernel "${name}" returned ${out.length} outputs; expected one`);
  }
  return out;
}

/** Frees intermediate results made with {@link callKernel}. */
export function freeAll(backend: tf.KernelBackend, infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as DisposingBackend).disposeData(info.dataId);
}
