/**
 * Fast transposed matrix products on wasm. tf.js 4.22's wasm `BatchMatMul` and `_FusedMatMul`
 * are ~60x (transposeA) and ~12x (transposeB) slower than the plain product at 1024², and
 * backprop through every dense layer uses exactly those: dX = dY·Wᵀ, dW = Xᵀ·dY. The
 * replacement transposes the operand explicitly with the wasm `Transpose` kernel (one memory
 * pass) and then runs the original kernel's plain fast path.
 *
 * It also fixes a tf.js 4.22 wasm bug: `_FusedMatMul` with a bias and a batch dimension > 1
 * returns wrong values (relative error ~0.2 against `cpu`); that case is computed as
 * `BatchMatMul`, `Add` and the activation's own kernel.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";

const BACKEND = "wasm";

/** Swaps the last two axes of `x` with the backend's Transpose kernel. */
function transposeLast2(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return callKernel(BACKEND, backend, "Transpose", { x }, { perm });
}

/** Applies `_FusedMatMul`'s activation to `x` with the wasm backend's own kernels. */
export function activate(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  inputs: tf.NamedTensorInfoMap,
): tf.TensorInfo {
  const activation = (attrs.activation as string | undefined) ?? "linear";
  const call = (name: string, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap = {}) =>
    callKernel(BACKEND, backend, name, ins, at);
  switch (activation) {
    case "linear":
      return call("Identity", { x });
    case "relu":
      return call("Relu", { x });
    case "relu6":
      return call("Relu6", { x });
    case "elu":
      return call("Elu", { x });
    case "sigmoid":
      return call("Sigmoid", { x });
    case "leakyrelu":
      return call("LeakyRelu", { x }, { alpha: attrs.leakyreluAlpha as number });
    case "prelu":
      return call("Prelu", { x, alpha: inputs.preluActivationWeights as tf.TensorInfo });
    default:
      throw new Error(`_FusedMatMul: activation "${activation}" not supported on wasm`);
  }
}

/** Batched fused matmul with bias, done unfused (see the module doc). */
function unfusedBatched(
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const temps: tf.TensorInfo[] = [];
  try {
    const y = callKernel(BACKEND, backend, "BatchMatMul", { a, b }, {
      transposeA: false,
      transposeB: false,
    });
    temps.push(y);
    const z = callKernel(BACKEND, backend, "Add", { a: y, b: inputs.bias as tf.TensorInfo });
    temps.push(z);
    return activate(backend, z, attrs, inputs);
  } finally {
    freeAll(backend, temps);
  }
}

/** Product of all but the last two dimensions. */
function batchSize(x: tf.TensorInfo): number {
  return x.shape.slice(0, -2).reduce((p, q) => p * q, 1);
}

/**
 * Wraps a matmul kernel (`BatchMatMul` or `_FusedMatMul`, which share the `a`, `b`,
 * `transposeA`, `transposeB` contract) so that transposed operands are made explicit first.
 */
export function explicitTransposeMatMul(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    const brokenFusedCase = original.kernelName === "_FusedMatMul" && inputs.bias != null &&
      Math.max(batchSize(inputs.a as tf.TensorInfo), batchSize(inputs.b as tf.TensorInfo)) > 1;
    if (!transposeA && !transposeB && !brokenFusedCase) return inner(args);
    const temps: tf.TensorInfo[] = [];
    try {
      const a = transposeA ? transposeLast2(backend, inputs.a as tf.TensorInfo) : inputs.a;
      if (transposeA) temps.push(a as tf.TensorInfo);
      const b = transposeB ? transposeLast2(backend, inputs.b as tf.TensorInfo) : inputs.b;
      if (transposeB) temps.push(b as tf.TensorInfo);
      if (brokenFusedCase) {
        return unfusedBatched(backend, a as tf.TensorInfo, b as tf.TensorInfo, inputs, attrs ?? {});
      }
      return inner({
        inputs: { ...inputs, a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      freeAll(backend, temps);
    }
  };
  // Keep the original setupFunc: it binds the C++ entry point and must run if the backend
  // initializes after this registration.
  return { ...original, kernelFunc };
}
