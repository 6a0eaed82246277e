/**
 * A fix for tf.js 4.22's webgpu `AddN`: it binds every input as its own storage buffer in one
 * shader, but tf.js asks for its device without raising `maxStorageBuffersPerShaderStage`
 * above WebGPU's default of 8. With 8 or more inputs (+1 output) the pipeline fails
 * validation; WebGPU then drops the whole command buffer it was encoded in, so the other
 * kernels queued with it are lost too and read back as zeros. In training that is the total
 * gradient norm (`tf.addN` over every parameter's squared norm): a depth-2 MLP has 8
 * parameters, and its gradient norms and updates came back 0 (accuracy 0.092 where cpu gets
 * 0.586) while a 1-block network (5 parameters) trained correctly. `concat` already splits its
 * inputs by that limit; this does the same for `AddN`: sums of at most `limit - 1` inputs,
 * then the sum of those.
 *
 * The project now asks for the adapter's own limit (`webgpu_device.ts`: 32 on lavapipe), so
 * the split happens only past that; it stays for sums longer than any device allows.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** What this needs of tf.js' webgpu backend. */
interface WebgpuBackend extends tf.KernelBackend {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

let installed = false;

/**
 * Replaces the webgpu `AddN` with one that splits its inputs to fit the device's storage
 * buffer limit (once per process).
 */
export function installWebgpuAddN(): void {
  if (installed) return;
  const original = tf.getKernel("AddN", "webgpu");
  if (original === undefined) throw new Error('webgpu kernel "AddN" is not registered');
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as WebgpuBackend;
    const per = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let inputs = args.inputs as unknown as tf.TensorInfo[];
    const temps: tf.TensorInfo[] = [];
    try {
      while (inputs.length > per) {
        const sums: tf.TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += per) {
          const chunk = inputs.slice(i, i + per);
          if (chunk.length === 1) {
            sums.push(chunk[0]);
            continue;
          }
          const s = original.kernelFunc({
            ...args,
            inputs: chunk as unknown as tf.NamedTensorInfoMap,
          }) as tf.TensorInfo;
          temps.push(s);
          sums.push(s);
        }
        inputs = sums;
      }
      return original.kernelFunc({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({ ...original, kernelFunc });
  installed = true;
}
