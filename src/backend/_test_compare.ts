/**
 * Test helper: runs the same computation on two backends from the same input data and
 * measures how far apart the results are.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "./backend.ts";

/** Deterministic pseudo-random data in [-1, 1) (a small LCG: tests need no seeded RNG lib). */
export function randomData(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `f` on `backend` with tensors made from `inputs`; returns the outputs' values. */
export async function runOn(
  backend: BackendName,
  inputs: { data: Float32Array; shape: number[] }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  await useBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const ys = f(...xs);
  const values = await Promise.all(ys.map((y) => y.data() as Promise<Float32Array>));
  tf.dispose([...xs, ...ys]);
  return values;
}

/** max |a - b| / max |b|: the relative error the tests bound. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}
