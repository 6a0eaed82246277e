/**
 * The step norms' kernels on the host backends: `LayerSquaredNorms` for `cpu` (wasm and
 * native have a SIMD one of their own, src/backend/layer_norms.ts, which falls back to
 * {@link sumOfSquaresJs}) and `StepNorms` for `cpu`, `wasm` and `native`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { hostIO } from "../host.ts";

/**
 * Sums the squares of `view[from..]` in float64 (exact products; one rounding per add): the
 * plain-JS sum of squares, the cpu kernel's body and the SIMD kernel's fallback and tail.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { sumOfSquaresJs } from "./host.ts";
 * assertEquals(sumOfSquaresJs(new Float32Array([3, 4])), 25);
 * assertEquals(sumOfSquaresJs(new Float32Array([3, 4]), 1), 16);
 * ```
 */
export function sumOfSquaresJs(view: Float32Array, from = 0): number {
  let total = 0;
  for (let i = from; i < view.length; i++) total += view[i] * view[i];
  return total;
}

/** `LayerSquaredNorms` on cpu: inputs a list of float32 tensors, output `[n]`. */
export function squaredNormsHost(
  args: { inputs: tf.TensorInfo[]; backend: tf.KernelBackend },
): tf.TensorInfo {
  const io = hostIO(args.backend);
  const [out] = io.allocate([{ shape: [args.inputs.length] }]);
  const sums = io.floats(out);
  args.inputs.forEach((x, i) => sums[i] = sumOfSquaresJs(io.floats(x)));
  return out;
}

/** `StepNorms`' attrs: which entries of `squares` are the layers' kernels, in order. */
export interface StepNormsAttrs {
  /** Indices into `squares`. */
  readonly layers: readonly number[];
}

/** Checks `layers` against `n` squares. */
export function checkLayers(layers: readonly number[], n: number): void {
  for (const i of layers) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new Error(`StepNorms: layer index ${i} is not an index into ${n} squared norms`);
    }
  }
}

/**
 * `StepNorms` on the host backends: `sqrt(squares[layers[i]])`, then the square root of the
 * float64 sum of all squares.
 */
export function stepNormsHost(
  args: {
    inputs: { squares: tf.TensorInfo };
    backend: tf.KernelBackend;
    attrs: StepNormsAttrs;
  },
): tf.TensorInfo {
  const { layers } = args.attrs;
  const n = args.inputs.squares.shape[0];
  checkLayers(layers, n);
  const io = hostIO(args.backend);
  const [out] = io.allocate([{ shape: [layers.length + 1] }]);
  const squares = io.floats(args.inputs.squares), norms = io.floats(out);
  layers.forEach((index, i) => norms[i] = Math.sqrt(squares[index]));
  let total = 0;
  for (let i = 0; i < n; i++) total += squares[i];
  norms[layers.length] = Math.sqrt(total);
  return out;
}
