import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { float64Tables, hostIO } from "./host.ts";
import { memoryModule, ValType } from "./wasm_binary.ts";
import { heapOffset, perMemory, wasmHeapOf } from "./wasm_heap.ts";

Deno.test("the wasm backend's heap is found, native shares it, cpu has none", async () => {
  await useBackend("wasm");
  const heap = hostIO(tf.backend()).heap;
  assert.ok(heap !== undefined);
  const x = tf.tensor1d([1, 2, 3]);
  const view = hostIO(tf.backend()).floats(x);
  assert.equal(view.buffer, heap.memory.buffer, "tensors lie in the heap's memory");
  assert.equal(heapOffset(heap.memory, view), view.byteOffset);
  await useBackend("native");
  assert.equal(hostIO(tf.backend()).heap?.memory, heap.memory);
  tf.dispose(x);
  await useBackend("cpu");
  assert.equal(hostIO(tf.backend()).heap, undefined);
  assert.equal(wasmHeapOf({}), undefined);
});

Deno.test("float64Tables on the heap: zeroed, 8-byte aligned, freed", async () => {
  await useBackend("wasm");
  const heap = hostIO(tf.backend()).heap!;
  const dirty = heap.malloc(5 * 8 * 64);
  new Uint8Array(heap.memory.buffer, dirty, 5 * 8 * 64).fill(0xff);
  heap.free(dirty);
  const scratch = float64Tables(heap, 5, 64);
  assert.ok(scratch.onHeap);
  assert.equal(scratch.tables.length, 5);
  for (const t of scratch.tables) {
    assert.equal(t.length, 64);
    assert.equal(t.buffer, heap.memory.buffer);
    assert.equal(t.byteOffset % 8, 0);
    assert.ok(t.every((v) => Object.is(v, 0)), "zeroed (+0)");
  }
  assert.equal(scratch.tables[1].byteOffset - scratch.tables[0].byteOffset, 8 * 64);
  scratch.release();
  // the block went back: the allocator hands the same bytes out again
  const again = heap.malloc(5 * 8 * 64);
  assert.equal(again, scratch.tables[0].byteOffset);
  heap.free(again);
});

Deno.test("perMemory: one instance per memory; null for a module the engine rejects", () => {
  const size = { name: "size", params: [], results: [ValType.i32], locals: [], body: [0x3f, 0] };
  const exportsOn = perMemory(memoryModule([size]));
  const [a, b] = [new WebAssembly.Memory({ initial: 1 }), new WebAssembly.Memory({ initial: 3 })];
  assert.equal(exportsOn(a), exportsOn(a));
  assert.notEqual(exportsOn(a), exportsOn(b));
  assert.equal((exportsOn(b)!.size as () => number)(), 3);
  const broken = perMemory(memoryModule([{ ...size, body: [0xfd, 0xff, 0xff, 0x0f] }]));
  assert.equal(broken(a), null);
  const foreign = new Float32Array(4);
  assert.throws(() => heapOffset(a, foreign), /not over the current wasm heap/);
});
