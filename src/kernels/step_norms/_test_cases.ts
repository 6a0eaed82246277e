/**
 * For the step norms tests (host ones and the webgpu child): gradients of many shapes, and
 * their norms fused and unfused on the active backend. Tests only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setFusedKernels } from "../switch.ts";
import { stepNorms } from "./step_norms.ts";

/** Shapes: a conv kernel, dense ones, biases, a scalar-sized one, an empty one, a long one. */
export const SHAPES = [[3, 3, 3, 8], [8], [200, 64], [64], [1], [0], [5000], [64, 10], [10], [
  7,
  3,
]];
/**
 * {@link SHAPES} with the empty tensor made a 2-vector: tf.js' webgpu `Sum` (the unfused
 * path) fails on an empty tensor ("Dispatch size exceeds WebGPU limits").
 */
export const NONEMPTY_SHAPES = SHAPES.map((s) => s.includes(0) ? [2] : s);
/** Which of {@link SHAPES} play the layers' kernels, in an order of their own. */
export const LAYERS = [0, 2, 7, 9];

/** The norms of deterministic gradients of {@link SHAPES}, fused or not, and the float64 truth. */
export async function normsOf(
  fused: boolean,
  shapes: readonly number[][] = SHAPES,
): Promise<{ got: number[]; truth: number[] }> {
  const values = shapes.map((s, t) =>
    Float32Array.from(
      { length: s.reduce((a, b) => a * b, 1) },
      (_, i) => Math.sin(0.7 * i + t) * (1 + t),
    )
  );
  const grads = values.map((v, t) => tf.tensor(v, shapes[t]));
  setFusedKernels(fused);
  try {
    const norms = stepNorms(grads, LAYERS);
    const got = Array.from(await norms.data());
    norms.dispose();
    const squares = values.map((v) => v.reduce((s, x) => s + x * x, 0));
    const truth = [
      ...LAYERS.map((i) => Math.sqrt(squares[i])),
      Math.sqrt(squares.reduce((a, b) => a + b)),
    ];
    return { got, truth };
  } finally {
    setFusedKernels(true);
    tf.dispose(grads);
  }
}

/** Largest `|a - b| / |b|` (b nonzero here: every norm is positive). */
export function maxRelative(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`lengths ${a.length} != ${b.length}`);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
}
