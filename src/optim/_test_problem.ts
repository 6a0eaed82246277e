/**
 * Test helpers for the optimizer tests: a small parameter set, deterministic gradients and
 * float64 reference arithmetic. Not part of the public API.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";

/** Shapes and start values of the shared test problem (a kernel, a bias, a zero kernel). */
export const PROBLEM: ReadonlyArray<{ name: string; shape: number[]; init: number[] }> = [
  { name: "k1", shape: [2, 3], init: [0.5, -1, 0.25, 2, 0.1, -0.3] },
  { name: "b1", shape: [3], init: [0.1, 0.2, -0.1] },
  { name: "k0", shape: [2, 2], init: [0, 0, 0, 0] },
];

let counter = 0;

/** Fresh variables for {@link PROBLEM}, with unique names. */
export function makeParams(): tf.Variable[] {
  const tag = `t${counter++}`;
  return PROBLEM.map((p) => tf.variable(tf.tensor(p.init, p.shape), true, `${tag}/${p.name}`));
}

/** Deterministic gradient of tensor `i` at step `t` (varies in size and sign with `t`). */
export function gradValues(i: number, t: number): number[] {
  const n = PROBLEM[i].init.length;
  return Array.from({ length: n }, (_, j) => Math.sin(1 + j + 3 * i + 1.7 * t) * (0.2 + 0.3 * i));
}

/** Runs `steps` steps of `opt` on `params` with {@link gradValues}; returns nothing. */
export function runSteps(opt: tf.Optimizer, params: tf.Variable[], steps: number, from = 0): void {
  for (let t = from; t < from + steps; t++) {
    const grads = params.map((p, i) => ({
      name: p.name,
      tensor: tf.tensor(gradValues(i, t), p.shape),
    }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
}

/** Euclidean norm in float64. */
export function norm(a: readonly number[]): number {
  return Math.sqrt(a.reduce((s, x) => s + x * x, 0));
}

/** Asserts `|a - e| <= atol + rtol * |e|` elementwise. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  message: string,
  rtol = 2e-5,
  atol = 1e-7,
): void {
  assert.equal(actual.length, expected.length, `${message}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    assert.ok(
      Math.abs(a - e) <= atol + rtol * Math.abs(e),
      `${message}[${i}]: got ${a}, expected ${e}`,
    );
  }
}

/** Values of each variable (tests may read back). */
export function valuesOf(params: tf.Variable[]): number[][] {
  return params.map((p) => Array.from(p.dataSync()));
}
