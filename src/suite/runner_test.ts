import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { fakeRunFn, recordingKit } from "./_test_fakes.ts";
import type { BuiltOptimizer } from "./_test_fakes.ts";
import { fakeGridOptions, TEST_VERSIONS } from "./_test_grid.ts";
import { parseCsv } from "../output/csv.ts";
import { totalRuns } from "./plan.ts";
import { SMOKE } from "./presets.ts";
import { runGrid } from "./runner.ts";
import type { GridRunOptions } from "./runner.ts";
import { ResultsStore } from "./store.ts";
import type { GridSpec } from "./types.ts";

const grid: GridSpec = {
  ...SMOKE,
  name: "test",
  batchSizes: [16, 64],
  depths: [2],
  seeds: [1, 2],
  lrGrid: { points: 3, factor: 10, tuneOn: "first-seed" },
};

function options(out: string, extra: Partial<GridRunOptions> = {}): GridRunOptions {
  return fakeGridOptions(grid, out, extra);
}

Deno.test("runGrid runs every tuning rate, then the other seeds at the best rate", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const before = tf.memory().numTensors;
  const built: BuiltOptimizer[] = [];
  const progress: [number, number][] = [];
  const result = await runGrid(options(out, {
    kit: recordingKit(built),
    onProgress: (p) => progress.push([p.done, p.total]),
  }));
  assertEquals(tf.memory().numTensors, before);
  // The plan's 40 is a floor; the search extensions join the total as they are planned, so
  // the bar never reads more than 100% and ends at 72/72.
  assert(progress.every(([done, total]) => done <= total), JSON.stringify(progress));
  assertEquals(progress.at(-1), [72, 72]);
  // At least 5 methods x 2 batches x 1 depth x (3 rates + 1 held-out seed); the fake's
  // accuracy grows with the rate, so the searches extend past the top of the grid.
  assertEquals(totalRuns(grid), 40);
  assertEquals(result.rows.length, 72);
  assert(result.complete);
  const lalc16 = result.rows.filter((r) => r.method === "lalc" && r.batchSize === 16);
  assertEquals(lalc16.map((r) => [r.phase, r.lrIndex, r.seed, r.search]), [
    ["tune", 0, 1, "grid"],
    ["tune", 1, 1, "grid"],
    ["tune", 2, 1, "grid"],
    // The fake's accuracy grows with the rate up to its ceiling (scaled rate ~10, index 4
    // here); index 5 ties it and ties go to the smaller rate, so 4 is the interior optimum.
    ["tune", 3, 1, "extension"],
    ["tune", 4, 1, "extension"],
    ["tune", 5, 1, "extension"],
    ["seed", 4, 2, "interior"],
  ]);
  // Linear scaling: LALC's centre 0.316228 times 10 (the top rate) times 16/256; LAMB's
  // square-root rule at batch 64: 0.0158114 * 10 * sqrt(64/256).
  assertEquals(lalc16[2].scaledLr, 3.16228 * 16 / 256);
  const lamb64 = result.rows.find((r) =>
    r.method === "lamb" && r.batchSize === 64 && r.lrIndex === 2
  )!;
  assertEquals(lamb64.scaledLr, 0.158114 * 0.5);
  assertEquals(new Set(built.map((b) => b.kind)), new Set(["lalc", "lars", "lamb", "momentum"]));
  const curves = parseCsv(await Deno.readTextFile(`${out}/curves.csv`));
  assertEquals(curves.length, 144);
  await Deno.remove(out, { recursive: true });
});

Deno.test("runGrid records diverged and error runs and goes on", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const result = await runGrid(
    options(out, { runFn: fakeRunFn({ divergeAbove: 0.5, throwAtBatch: 64 }) }),
  );
  // Batch 64 always fails: every rate scores worst, so each of its 5 cells walks down to
  // the search's cap (3 rates + 4 extensions + 1 held-out seed).
  assertEquals(result.rows.length, 65);
  const errors = result.rows.filter((r) => r.status === "error");
  assertEquals(errors.length, 40);
  assert(errors.every((r) => r.batchSize === 64 && r.error === "boom in fake run"));
  const diverged = result.rows.filter((r) => r.status === "diverged");
  assert(diverged.length > 0);
  assert(diverged.every((r) => r.scaledLr > 0.5 || r.method === "lars"));
  await Deno.remove(out, { recursive: true });
});

Deno.test("runGrid resumes: an interrupted grid finishes without duplicating a run", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const first = await runGrid(options(out, { maxRuns: 7 }));
  assertEquals(first.ran, 7);
  assert(!first.complete);
  // Simulate a kill in the middle of the next run's writes: orphan curve rows and a torn line.
  await Deno.writeTextFile(
    `${out}/curves.csv`,
    "00000000deadbeef,lalc,16,2,1,0.1,5,1,0.1,0.5,0.5,0.5,3,1,2\n",
    {
      append: true,
    },
  );
  await Deno.writeTextFile(`${out}/runs.csv`, "deadbeef,test,synth", { append: true });
  const second = await runGrid(options(out));
  assertEquals(second.skipped, 7);
  assertEquals(second.ran, 65);
  const rows = parseCsv(await Deno.readTextFile(`${out}/runs.csv`));
  assertEquals(rows.length, 72);
  assertEquals(new Set(rows.map((r) => r.run_id)).size, 72);
  const curves = parseCsv(await Deno.readTextFile(`${out}/curves.csv`));
  assertEquals(curves.length, 144);
  assert(!curves.some((c) => c.run_id === "00000000deadbeef"));
  const store = await ResultsStore.open(out, { grid, backend: "cpu", versions: TEST_VERSIONS });
  assertEquals(store.rows.length, 72);
  await store.close(true);
  await Deno.remove(out, { recursive: true });
});
