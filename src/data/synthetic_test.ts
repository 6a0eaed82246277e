import assert from "node:assert/strict";
import { makeGaussianInputs, makeSyntheticDataset } from "./synthetic.ts";
import type { Split } from "./types.ts";

/** Mean cosine similarity of distinct pairs among the first n samples. */
function meanPairCosine(s: Split, n: number, center = false): number {
  const d = s.x.length / s.count;
  const rows: Float64Array[] = [];
  const mean = new Float64Array(d);
  if (center) {
    for (let i = 0; i < s.count; i++) {
      for (let j = 0; j < d; j++) mean[j] += s.x[i * d + j] / s.count;
    }
  }
  for (let i = 0; i < n; i++) {
    const r = new Float64Array(d);
    for (let j = 0; j < d; j++) r[j] = s.x[i * d + j] - mean[j];
    rows.push(r);
  }
  let total = 0, pairs = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < d; j++) {
        dot += rows[a][j] * rows[b][j];
        na += rows[a][j] ** 2;
        nb += rows[b][j] ** 2;
      }
      total += Math.abs(dot / Math.sqrt(na * nb));
      pairs++;
    }
  }
  return total / pairs;
}

Deno.test("synthetic data set: seeded, unit variance, same-class correlation c", () => {
  const a = makeSyntheticDataset({
    seed: 4,
    correlation: 0.6,
    sampleShape: [256],
    trainCount: 400,
  });
  const b = makeSyntheticDataset({
    seed: 4,
    correlation: 0.6,
    sampleShape: [256],
    trainCount: 400,
  });
  const c = makeSyntheticDataset({
    seed: 5,
    correlation: 0.6,
    sampleShape: [256],
    trainCount: 400,
  });
  assert.deepEqual(a.train.x, b.train.x);
  assert.notDeepEqual(a.train.x, c.train.x);
  assert.equal(a.name, "synthetic");
  let v = 0;
  for (const x of a.train.x) v += x * x;
  v /= a.train.x.length;
  // expected 1; the 10 prototypes' sample variance wanders by ~sqrt(2/2560)
  assert.ok(Math.abs(v - 1) < 0.1, `second moment ${v}`);
  // correlation of two same-class samples: c * |m|^2 / |x|^2 ~ 0.6
  const d = 256;
  const same: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (let j = i + 1; j < 40; j++) {
      if (a.train.y[i] !== a.train.y[j]) continue;
      let dot = 0, ni = 0, nj = 0;
      for (let k = 0; k < d; k++) {
        dot += a.train.x[i * d + k] * a.train.x[j * d + k];
        ni += a.train.x[i * d + k] ** 2;
        nj += a.train.x[j * d + k] ** 2;
      }
      same.push(dot / Math.sqrt(ni * nj));
    }
  }
  const mean = same.reduce((s, x) => s + x, 0) / same.length;
  assert.ok(Math.abs(mean - 0.6) < 0.08, `same-class correlation ${mean} (n=${same.length})`);
  assert.throws(
    () => makeSyntheticDataset({ correlation: 1 }),
    /correlation must be in \[0, 1\), got 1/,
  );
  assert.throws(() => makeSyntheticDataset({ sampleShape: [0] }), /sampleShape must be positive/);
});

Deno.test("Gaussian inputs: shared component vanishes after centering, low-rank does not", () => {
  const iid = makeGaussianInputs({ count: 200, features: 128, seed: 1 });
  const shared = makeGaussianInputs({
    count: 200,
    features: 128,
    seed: 1,
    correlation: 0.8,
    structure: "shared",
  });
  const low = makeGaussianInputs({ count: 200, features: 128, seed: 1, correlation: 0.8, rank: 1 });
  // i.i.d. 128-dim vectors: mean |cos| ~ sqrt(2/(pi*128)) = 0.07
  const base = meanPairCosine(iid, 40, true);
  assert.ok(base < 0.1, `iid ${base}`);
  assert.ok(meanPairCosine(shared, 40) > 0.7, "shared raw correlation ~ 0.8");
  // BN-style centering over the batch removes the shared component entirely ...
  assert.ok(meanPairCosine(shared, 40, true) < 0.1);
  // ... but not a low-rank one (measured 0.55 here)
  assert.ok(meanPairCosine(low, 40, true) > 0.3, `${meanPairCosine(low, 40, true)}`);
  assert.deepEqual(low.sampleShape, [128]);
  assert.ok(low.y.every((y) => y >= 0 && y < 10));
  assert.throws(
    () => makeGaussianInputs({ count: 2, features: 2, structure: "bad" as "shared" }),
    /structure must be "lowRank" or "shared", got "bad"/,
  );
});
