import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { holdOutValidation, validationCount } from "./validation.ts";
import type { Dataset } from "./types.ts";

const toy = (n: number): Dataset => ({
  name: "toy",
  train: {
    x: Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    count: n,
    sampleShape: [2],
  },
  test: { x: new Float32Array(2), y: new Int32Array(1), count: 1, sampleShape: [2] },
  numClasses: 3,
  source: "toy",
});

Deno.test("holdOutValidation splits the training set into disjoint, complete parts", () => {
  const d = holdOutValidation(toy(600));
  const v = d.validation!;
  assertEquals(v.count, 100);
  assertEquals(d.train.count, 500);
  // Each sample's features are its original index: the union is every index exactly once.
  const ids = (s: { x: Float32Array; count: number }) =>
    Array.from({ length: s.count }, (_, i) => s.x[i * 2]);
  const all = [...ids(d.train), ...ids(v)].sort((a, b) => a - b);
  assertEquals(all, Array.from({ length: 600 }, (_, i) => i));
  // Labels travel with their samples; the remaining training samples keep their order.
  for (let i = 0; i < v.count; i++) assertEquals(v.y[i], v.x[i * 2] % 3);
  const trainIds = ids(d.train);
  assertEquals(trainIds, [...trainIds].sort((a, b) => a - b));
});

Deno.test("holdOutValidation is fixed by its seed and differs between seeds", () => {
  const a = holdOutValidation(toy(600)).validation!.x;
  const b = holdOutValidation(toy(600)).validation!.x;
  const c = holdOutValidation(toy(600), 100, 7).validation!.x;
  assertEquals(a, b);
  assert(a.some((x, i) => x !== c[i]));
});

Deno.test("validationCount holds out 10,000 of 60,000 and refuses impossible sizes", () => {
  assertEquals(validationCount(60000), 10000);
  assertEquals(validationCount(4000), 667);
  throws(() => holdOutValidation(toy(10), 10), /validation count 10 is not allowed/);
});
