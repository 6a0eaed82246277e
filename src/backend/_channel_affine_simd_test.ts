import assert from "node:assert/strict";
import { channelAffineFor } from "./_channel_affine_simd.ts";

Deno.test("the SIMD affine loop maps x with a wrapping constant table and writes nothing past n", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const affine = channelAffineFor(memory);
  assert.ok(affine !== null, "Deno's V8 runs wasm SIMD");
  assert.equal(channelAffineFor(memory), affine, "one instance per memory");
  const heap = new Float32Array(memory.buffer);
  const l = 8;
  const [x, out, table] = [0, 64, 128]; // float32 indices
  for (let i = 0; i < 24; i++) heap[x + i] = i;
  for (let k = 0; k < l; k++) {
    heap[table + k] = k; // m
    heap[table + l + k] = 0.5 * (k + 1); // a
    heap[table + 2 * l + k] = -k; // o
  }
  heap.fill(99, out, out + 28); // 4 past the end must stay untouched
  affine!(4 * x, 4 * out, 24, 4 * table, l);
  for (let i = 0; i < 24; i++) {
    const k = i % l;
    assert.equal(heap[out + i], (i - k) * 0.5 * (k + 1) - k, `element ${i}`);
  }
  assert.deepEqual([...heap.subarray(out + 24, out + 28)], [99, 99, 99, 99]);
  affine!(4 * x, 4 * out, 0, 4 * table, l); // no elements: nothing written
  assert.equal(heap[out], 0);
});
