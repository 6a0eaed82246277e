/**
 * The kernels this project adds to or replaces in tf.js' wasm backend, installed once.
 *
 * - `Conv2DBackpropFilter`: missing in tf.js 4.22's wasm backend; without it no CNN trains.
 *   A small CNN + BN + max-pool + stride-2 ResNet step needs no other missing kernel
 *   (checked by running one, see wasm_kernels_test.ts).
 * - `BatchMatMul`, `_FusedMatMul`: transposed operands go through an explicit transpose.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterWasmConfig } from "./conv2d_backprop_filter.ts";
import { explicitTransposeMatMul } from "./matmul_transpose.ts";

const BACKEND = "wasm";
const MATMULS = ["BatchMatMul", "_FusedMatMul"] as const;

/** The wasm backend's own matmul kernels, kept so the override can call (and restore) them. */
const originals = new Map<string, tf.KernelConfig>();
let installed = false;

/** Registers `config`, replacing whatever is registered under its name for wasm. */
function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, BACKEND) !== undefined) {
    tf.unregisterKernel(config.kernelName, BACKEND);
  }
  tf.registerKernel(config);
}

/**
 * Switches the explicit-transpose matmul override on or off (for benchmarks that compare the
 * two); {@link installWasmKernels} switches it on.
 *
 * @example
 * ```ts
 * import { setWasmMatMulOverride } from "./wasm_kernels.ts";
 * setWasmMatMulOverride(false); // back to tf.js' own kernels
 * setWasmMatMulOverride(true);
 * ```
 */
export function setWasmMatMulOverride(on: boolean): void {
  for (const name of MATMULS) {
    if (!originals.has(name)) {
      const original = tf.getKernel(name, BACKEND);
      if (original === undefined) {
        throw new Error(
          `wasm kernel "${name}" not registered: import @tensorflow/tfjs-backend-wasm`,
        );
      }
      originals.set(name, original);
    }
    const original = originals.get(name)!;
    replaceKernel(on ? explicitTransposeMatMul(original) : original);
  }
}

/**
 * Installs the wasm kernel additions and overrides; later calls do nothing. Returns the names
 * of the kernels it touched.
 *
 * @example
 * ```ts
 * import { installWasmKernels } from "./wasm_kernels.ts";
 * installWasmKernels(); // ["Conv2DBackpropFilter", "BatchMatMul", "_FusedMatMul"]
 * ```
 */
export function installWasmKernels(): string[] {
  const names = [conv2dBackpropFilterWasmConfig.kernelName, ...MATMULS];
  if (installed) return names;
  replaceKernel(conv2dBackpropFilterWasmConfig);
  setWasmMatMulOverride(true);
  installed = true;
  return names;
}
