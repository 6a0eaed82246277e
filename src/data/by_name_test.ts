import assert from "node:assert/strict";
import { type DatasetName, DATASETS, loadDataset } from "./by_name.ts";

Deno.test("loadDataset: every shipped name loads under its own name", async () => {
  // The two that need no download: the shipped subset and the generator.
  for (const name of ["fashion-mnist-subset", "synthetic"] as const) {
    const data = await loadDataset(name, { synthetic: { trainCount: 16, testCount: 8 } });
    assert.equal(data.name, name);
    assert.ok(data.train.count > 0 && data.test.count > 0, name);
  }
});

Deno.test("loadDataset: the synthetic options reach the generator", async () => {
  const data = await loadDataset("synthetic", {
    synthetic: { trainCount: 12, testCount: 6, sampleShape: [28, 28, 1], seed: 1 },
  });
  assert.deepEqual([data.train.count, data.test.count, data.train.sampleShape], [12, 6, [
    28,
    28,
    1,
  ]]);
});

Deno.test("loadDataset: a name outside DATASETS is refused with the known names", async () => {
  await assert.rejects(
    () => loadDataset("mnist" as DatasetName),
    (e: Error) => e.message === `dataset "mnist" is not known; use one of ${DATASETS.join(", ")}`,
  );
});

Deno.test("loadDataset: the full fashion-mnist without its files does not fall back when told not to", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => loadDataset("fashion-mnist", { dataDir: dir, allowSubset: false }),
      /no Fashion-MNIST files/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
