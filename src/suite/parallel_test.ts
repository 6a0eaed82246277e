/**
 * Runs on parallel workers equal runs on one: the same run ids and rows (timings aside),
 * each cell's phases in order, different cells at the same time, and a progress count
 * that goes up by one per run to the total.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { abortingRunFn, fakeRunFn } from "./_test_fakes.ts";
import { fakeGridOptions } from "./_test_grid.ts";
import { parseCsv } from "../output/csv.ts";
import { totalRuns } from "./plan.ts";
import { SMOKE } from "./presets.ts";
import { BackendAborted, runGrid } from "./runner.ts";
import type { GridProgress, GridRunOptions } from "./runner.ts";
import type { GridSpec } from "./types.ts";

const grid: GridSpec = {
  ...SMOKE,
  name: "parallel",
  methods: ["lalc", "lamb", "warmup"],
  batchSizes: [16, 64],
  depths: [2],
  seeds: [1, 2, 3],
  lrGrid: { points: 3, factor: 10, tuneOn: "first-seed" },
};
/** Columns that measure time, not results. */
const TIMING = ["wall_seconds", "samples_per_sec", "finished_at"];

function options(out: string, extra: Partial<GridRunOptions> = {}): GridRunOptions {
  return fakeGridOptions(grid, out, {
    runFn: fakeRunFn({ delayMs: 20 }),
    workerModule: new URL("./_test_fake_worker.ts", import.meta.url),
    ...extra,
  });
}

/** The rows of a CSV file without timing columns, sorted, as text. */
async function results(path: string): Promise<string[]> {
  return parseCsv(await Deno.readTextFile(path))
    .map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !TIMING.includes(k))))
    .sort();
}

Deno.test("3 workers give the rows of 1 worker, phases in order, progress right", async () => {
  await useBackend("cpu");
  const one = await Deno.makeTempDir();
  const three = await Deno.makeTempDir();
  const serial = await runGrid(options(one));
  const seen: GridProgress[] = [];
  const parallel = await runGrid(options(three, { workers: 3, onProgress: (p) => seen.push(p) }));
  const total = totalRuns(grid);
  assertEquals(total, 30);
  // At least the planned 30; the rate searches extend past edge optima (cell_plan.ts).
  assert(serial.ran >= total);
  assertEquals([parallel.ran, serial.complete, parallel.complete], [serial.ran, true, true]);
  for (const f of ["runs.csv", "curves.csv", "layer_rates.csv"]) {
    assertEquals(await results(`${three}/${f}`), await results(`${one}/${f}`), f);
  }
  // One worker keeps the serial order: cell after cell, tuning before seeds.
  const order = parseCsv(await Deno.readTextFile(`${one}/runs.csv`))
    .map((r) => `${r.method}|${r.batch_size}|${r.phase}`);
  const cellsInOrder = [...new Set(order.map((o) => o.split("|").slice(0, 2).join("|")))];
  assertEquals(cellsInOrder, [
    "lalc|16",
    "lamb|16",
    "warmup|16",
    "lalc|64",
    "lamb|64",
    "warmup|64",
  ]);
  // Every cell's seed runs start after its tuning runs finished, with any number of workers.
  const rows = parseCsv(await Deno.readTextFile(`${three}/runs.csv`));
  for (const cell of cellsInOrder) {
    const phases = rows.filter((r) => `${r.method}|${r.batch_size}` === cell).map((r) => r.phase);
    const tune = phases.filter((p) => p === "tune").length;
    assert(tune >= 3, cell);
    assertEquals(phases, [...Array(tune).fill("tune"), "seed", "seed"], cell);
  }
  // Progress: one step per run up to the total, which starts at the plan's 30 and grows by
  // the search extensions as cells plan them (never below done, never shrinking), never more
  // runs in flight than workers, and more than one at a time (the cells ran in parallel).
  assertEquals(seen.map((p) => p.done), Array.from({ length: parallel.ran }, (_, i) => i + 1));
  assert(seen.every((p, i) => p.done <= p.total && p.total >= (seen[i - 1]?.total ?? total)));
  assertEquals(seen.at(-1)!.total, parallel.ran);
  assert(seen.every((p) => p.running <= 2), "at most 3 in flight");
  assert(seen.some((p) => p.running === 2), "runs overlapped");
  await Deno.remove(one, { recursive: true });
  await Deno.remove(three, { recursive: true });
});

Deno.test("a parallel grid stopped by --max-runs resumes to the same rows", async () => {
  await useBackend("cpu");
  const one = await Deno.makeTempDir();
  const two = await Deno.makeTempDir();
  const whole = await runGrid(options(one));
  const first = await runGrid(options(two, { workers: 2, maxRuns: 7 }));
  assertEquals([first.ran, first.complete], [7, false]);
  const second = await runGrid(options(two, { workers: 2 }));
  assertEquals([second.ran, second.skipped, second.complete], [whole.ran - 7, 7, true]);
  assertEquals(await results(`${two}/runs.csv`), await results(`${one}/runs.csv`));
  assertEquals(await results(`${two}/curves.csv`), await results(`${one}/curves.csv`));
  await Deno.remove(one, { recursive: true });
  await Deno.remove(two, { recursive: true });
});

Deno.test("a worker that fails stops the grid with its error; the folder stays resumable", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const failing = new URL("./_test_failing_worker.ts", import.meta.url);
  let message = "";
  try {
    await runGrid(options(out, { workers: 2, workerModule: failing }));
  } catch (e) {
    message = `${(e as Error).name}: ${(e as Error).message}`;
  }
  assert(/^WorkerFailure: a worker failed: no data here/.test(message), message);
  // The lock was freed and nothing was recorded: the same folder starts normally.
  const result = await runGrid(options(out, { workers: 2 }));
  assert(result.complete && result.ran >= 30);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a wasm abort ends its worker: a fresh one takes the next runs, only the aborted rows are errors", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const aborting = new URL("./_test_aborting_worker.ts", import.meta.url);
  const result = await runGrid(options(out, { workers: 2, workerModule: aborting }));
  assert(result.complete);
  const errors = result.rows.filter((r) => r.status === "error");
  // The batch-64 seed-2 run of each method aborts; a worker left running after one would
  // turn every later run it took into an error row too.
  assertEquals(
    errors.map((r) => `${r.method} ${r.batchSize} ${r.seed}`).sort(),
    grid.methods.map((m) => `${m} 64 2`).sort(),
  );
  assert(errors.every((r) => r.error === "memory access out of bounds"), errors[0]?.error);
  assert(result.rows.filter((r) => r.status === "ok").length >= 30);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a wasm abort in the grid's own thread stops the grid after its error row", async () => {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const runFn = abortingRunFn((c) => c.batchSize === 64 && c.seed === 2);
  await assert.rejects(
    () => runGrid(options(out, { workers: 1, runFn })),
    (e: Error) =>
      e instanceof BackendAborted &&
      /broke the cpu backend of this process \(memory access out of bounds\)/.test(e.message) &&
      /Run the same command again to resume in a fresh process/.test(e.message),
  );
  const rows = parseCsv(await Deno.readTextFile(`${out}/runs.csv`));
  assertEquals(rows.filter((r) => r.status === "error").length, 1, "only the aborted run");
  // A fresh process resumes the folder and finishes it.
  const result = await runGrid(options(out, { workers: 1 }));
  assert(result.complete);
  assertEquals(result.rows.filter((r) => r.status === "error").length, 1);
  await Deno.remove(out, { recursive: true });
});
