/**
 * The kernels this project adds to or replaces in tf.js' wasm backend, installed once.
 *
 * - `Conv2DBackpropFilter`: missing in tf.js 4.22's wasm backend; without it no CNN trains.
 *   A small CNN + BN + max-pool + stride-2 ResNet step needs no other missing kernel
 *   (checked by running one, see wasm_kernels_test.ts).
 * - `BatchMatMul`, `_FusedMatMul`: transposed operands go through an explicit transpose.
 * - `Conv2DBackpropInput`: tf.js' scalar loop replaced by the backend's own (XNNPACK) forward
 *   `Conv2D` on the flipped filter, ~10x faster (see conv2d_backprop_input.ts).
 * - `MaxPoolGrad`: a sequential loop over the heap, ~10x faster (see max_pool_grad.ts).
 * - `Sum`, `Mean` over leading axes (batch norm's per-channel reductions): one loop over the
 *   heap instead of a transpose and a reduction (see reduce_leading.ts).
 * - `FusedBatchNorm` with per-channel parameters: one loop over the heap with the channel
 *   constants folded first, ~3x faster (see fused_batch_norm.ts).
 *
 * tf.js' forward `Conv2D` is not replaced: it runs XNNPACK at the speed of the equivalent
 * plain matmul (bench/backend_matmul.ts), and the models never dispatch `FusedConv2D`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterWasmConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputWasmConfig } from "./conv2d_backprop_input.ts";
import { fusedBatchNormWasmConfig } from "./fused_batch_norm.ts";
import { explicitTransposeMatMul } from "./matmul_transpose.ts";
import { maxPoolGradWasmConfig } from "./max_pool_grad.ts";
import { leadingReduceWasmConfig } from "./reduce_leading.ts";
import { registerLayerNormKernels } from "./layer_norms.ts";

const BACKEND = "wasm";
const MATMULS = ["BatchMatMul", "_FusedMatMul"] as const;
const BACKPROP_INPUT = "Conv2DBackpropInput";
const MAX_POOL_GRAD = "MaxPoolGrad";
const REDUCTIONS = ["Sum", "Mean"] as const;
const BATCH_NORM = "FusedBatchNorm";

/** The wasm backend's own kernels we replace, kept so the overrides can call (and restore) them. */
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
 * import { deepStrictEqual as assertEquals, notStrictEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { setWasmMatMulOverride } from "./wasm_kernels.ts";
 * await useBackend("wasm");
 * const a = tf.tensor2d([[1, 2], [3, 4]]);
 * setWasmMatMulOverride(false); // back to tf.js' own kernels
 * const own = tf.getKernel("BatchMatMul", "wasm");
 * assertEquals(tf.matMul(a, a, true).arraySync(), [[10, 14], [14, 20]]); // a^T a
 * setWasmMatMulOverride(true);
 * notStrictEqual(tf.getKernel("BatchMatMul", "wasm"), own);
 * assertEquals(tf.matMul(a, a, true).arraySync(), [[10, 14], [14, 20]]); // the same product
 * ```
 */
export function setWasmMatMulOverride(on: boolean): void {
  for (const name of MATMULS) {
    const original = originalKernel(name);
    replaceKernel(on ? explicitTransposeMatMul(original) : original);
  }
}

/** tf.js' own wasm kernel `name`, captured the first time (before any override). */
function originalKernel(name: string): tf.KernelConfig {
  if (!originals.has(name)) {
    const original = tf.getKernel(name, BACKEND);
    if (original === undefined) {
      throw new Error(`wasm kernel "${name}" not registered: import @tensorflow/tfjs-backend-wasm`);
    }
    originals.set(name, original);
  }
  return originals.get(name)!;
}

/**
 * Switches the conv-based `Conv2DBackpropInput` and the loop `MaxPoolGrad` on or off (for
 * benchmarks and tests that compare them with tf.js' own); {@link installWasmKernels} switches
 * them on.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, notStrictEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { setWasmConvOverride } from "./wasm_kernels.ts";
 * await useBackend("wasm");
 * const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
 * const poolGrad = () => tf.grad((t) => tf.maxPool(t as tf.Tensor4D, 2, 2, "valid"))(x).dataSync();
 * setWasmConvOverride(false); // tf.js' own Conv2DBackpropInput and MaxPoolGrad
 * const own = tf.getKernel("MaxPoolGrad", "wasm");
 * assertEquals([...poolGrad()], [0, 0, 0, 1]); // the gradient goes to the window's max
 * setWasmConvOverride(true);
 * notStrictEqual(tf.getKernel("MaxPoolGrad", "wasm"), own);
 * assertEquals([...poolGrad()], [0, 0, 0, 1]);
 * ```
 */
export function setWasmConvOverride(on: boolean): void {
  const original = originalKernel(BACKPROP_INPUT);
  replaceKernel(on ? conv2dBackpropInputWasmConfig(original) : original);
  const pool = originalKernel(MAX_POOL_GRAD);
  replaceKernel(on ? maxPoolGradWasmConfig(pool) : pool);
}

/**
 * Switches the matmul-based leading-axes `Sum` and `Mean` on or off (for benchmarks and tests
 * that compare them with tf.js' own); {@link installWasmKernels} switches them on.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, notStrictEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { setWasmReduceOverride } from "./wasm_kernels.ts";
 * await useBackend("wasm");
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * setWasmReduceOverride(false); // tf.js' own Sum and Mean
 * const own = tf.getKernel("Sum", "wasm");
 * assertEquals(tf.sum(x, 0).arraySync(), [5, 7, 9]);
 * setWasmReduceOverride(true);
 * notStrictEqual(tf.getKernel("Sum", "wasm"), own);
 * assertEquals(tf.sum(x, 0).arraySync(), [5, 7, 9]); // the same sums over the leading axis
 * ```
 */
export function setWasmReduceOverride(on: boolean): void {
  for (const name of REDUCTIONS) {
    const original = originalKernel(name);
    replaceKernel(on ? leadingReduceWasmConfig(original) : original);
  }
}

/**
 * Switches the loop `FusedBatchNorm` on or off (for benchmarks and tests that compare it with
 * tf.js' own); {@link installWasmKernels} switches it on.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, notStrictEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { setWasmBatchNormOverride } from "./wasm_kernels.ts";
 * await useBackend("wasm");
 * const x = tf.tensor2d([[1, 2], [3, 4]]);
 * const [mean, variance] = [tf.tensor1d([2, 3]), tf.tensor1d([1, 1])];
 * const [offset, scale] = [tf.tensor1d([0, 1]), tf.tensor1d([2, 2])];
 * const normed = () => tf.batchNorm(x, mean, variance, offset, scale, 0).arraySync();
 * setWasmBatchNormOverride(false); // tf.js' own FusedBatchNorm
 * const own = tf.getKernel("FusedBatchNorm", "wasm");
 * assertEquals(normed(), [[-2, -1], [2, 3]]); // scale * (x - mean) / sqrt(variance) + offset
 * setWasmBatchNormOverride(true);
 * notStrictEqual(tf.getKernel("FusedBatchNorm", "wasm"), own);
 * assertEquals(normed(), [[-2, -1], [2, 3]]);
 * ```
 */
export function setWasmBatchNormOverride(on: boolean): void {
  const original = originalKernel(BATCH_NORM);
  replaceKernel(on ? fusedBatchNormWasmConfig(original) : original);
}

/**
 * Installs the wasm kernel additions and overrides; later calls do nothing. Returns the names
 * of the kernels it touched.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { installWasmKernels } from "./wasm_kernels.ts";
 * await useBackend("wasm");
 * assertEquals(installWasmKernels(), [
 *   "Conv2DBackpropFilter", "BatchMatMul", "_FusedMatMul", "Conv2DBackpropInput",
 *   "MaxPoolGrad", "Sum", "Mean", "FusedBatchNorm",
 * ]);
 * assert(tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined); // tf.js 4.22 lacks it
 * ```
 */
export function installWasmKernels(): string[] {
  const names = [
    conv2dBackpropFilterWasmConfig.kernelName,
    ...MATMULS,
    BACKPROP_INPUT,
    MAX_POOL_GRAD,
    ...REDUCTIONS,
    BATCH_NORM,
  ];
  if (installed) return names;
  registerLayerNormKernels(); // the optimizers' batched norms (not an override: not listed)
  replaceKernel(conv2dBackpropFilterWasmConfig);
  setWasmMatMulOverride(true);
  setWasmConvOverride(true);
  setWasmReduceOverride(true);
  setWasmBatchNormOverride(true);
  installed = true;
  return names;
}
