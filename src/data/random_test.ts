import assert from "node:assert/strict";
import { createRng, hashSeed, normalArray } from "./random.ts";

Deno.test("createRng: same seed same stream, different seed different stream", () => {
  const a = createRng(5), b = createRng(5), c = createRng(6);
  const sa = Array.from({ length: 8 }, () => a.uniform());
  const sb = Array.from({ length: 8 }, () => b.uniform());
  const sc = Array.from({ length: 8 }, () => c.uniform());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((u) => u >= 0 && u < 1));
});

Deno.test("normal draws have mean 0 and variance 1", () => {
  const z = normalArray(createRng(1), 200_000);
  let m = 0, v = 0;
  for (const x of z) m += x;
  m /= z.length;
  for (const x of z) v += (x - m) ** 2;
  v /= z.length;
  // standard errors: mean 1/sqrt(2e5) = 0.0022, variance sqrt(2/2e5) = 0.0032
  assert.ok(Math.abs(m) < 0.01, `mean ${m}`);
  assert.ok(Math.abs(v - 1) < 0.015, `variance ${v}`);
});

Deno.test("int draws cover [0, n) evenly", () => {
  const rng = createRng(3);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
  // expected 10000 each, sd ~ 89
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `${counts}`);
  assert.throws(() => rng.int(0), /n must be a positive integer, got 0/);
});

Deno.test("hashSeed separates its parts and rejects nothing valid", () => {
  assert.equal(hashSeed(1, "a"), hashSeed(1, "a"));
  assert.notEqual(hashSeed("ab"), hashSeed("a", "b"));
  assert.notEqual(hashSeed(1, 2), hashSeed(2, 1));
  assert.throws(() => createRng(NaN), /seed must be a finite number, got NaN/);
});
