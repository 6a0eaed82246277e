/**
 * Fast transposed matrix products on wasm. tf.js 4.22's wasm `BatchMatMul` and `_FusedMatMul`
 * are ~60x (transposeA) and ~12x (transposeB) slower than the plain product at 1024², and
 * backprop through every dense layer uses exactly those: dX = dY·Wᵀ, dW = Xᵀ·dY. The
 * replacement transposes the operand explicitly with the wasm `Transpose` kernel (one memory
 * pass) and then runs the original kernel's plain fast path.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { callKernel, freeAll } from "./_kernel_call.ts";

const BACKEND = "wasm";

/** Swaps the last two axes of `x` with the backend's Transpose kernel. */
function transposeLast2(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return callKernel(BACKEND, backend, "Transpose", { x }, { perm });
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
    if (!transposeA && !transposeB) return inner(args);
    const temps: tf.TensorInfo[] = [];
    try {
      const a = transposeA ? transposeLast2(backend, inputs.a as tf.TensorInfo) : inputs.a;
      if (transposeA) temps.push(a as tf.TensorInfo);
      const b = transposeB ? transposeLast2(backend, inputs.b as tf.TensorInfo) : inputs.b;
      if (transposeB) temps.push(b as tf.TensorInfo);
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
