/**
 * Determinism across processes, for real: one small slice of the grid in two `deno task grid`
 * processes per backend (wasm and cpu) gives the same runs.csv bit for bit; and the
 * comparison it rests on does see a one-ulp difference.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareRunsCsv, determinismTable, measureDeterminism } from "./determinism.ts";

Deno.test("compareRunsCsv sees a one-ulp difference and ignores timings", () => {
  const head = "run_id,status,max_grad_norm,wall_seconds\n";
  const a = head + "r1,ok,5.833893299102783,1\nr2,ok,1,1\n";
  const b = head + "r1,ok,5.833893775939941,2\nr2,ok,1,3\nr3,ok,1,1\n";
  const c = compareRunsCsv(a, b);
  assertEquals([c.runs, c.identical, c.textDiffers], [2, 1, []]);
  assert(Math.abs(c.maxAbsDiff.max_grad_norm - 4.76837158203125e-7) < 1e-12);
  assertEquals(compareRunsCsv(a, head + "r1,diverged,5.833893299102783,1\n").textDiffers, [
    "status",
  ]);
});

Deno.test("wasm and cpu give bit-identical runs in two processes", async () => {
  const rows = await measureDeterminism({
    backends: ["wasm", "cpu"],
    methods: ["lalc"],
    depths: [2],
    epochs: 1,
    lrPoints: 1,
    threads: [1],
    workers: [1],
  });
  const table = determinismTable(rows);
  assertEquals(rows.map((r) => [r.backend, r.compared]), [
    ["wasm", "2 processes"],
    ["cpu", "2 processes"],
  ]);
  for (const row of rows) {
    assert(!("skipped" in row.result), table);
    // How many runs the slice has is the protocol's business (its search and held-out seeds).
    assert(row.result.runs >= 1, table);
    assertEquals(row.result.identical, row.result.runs, table);
  }
});

Deno.test("wasm gives the same runs with 1 and 2 grid workers (skipped where grid has no --workers)", async () => {
  const rows = await measureDeterminism({
    backends: ["wasm"],
    methods: ["lalc", "lamb"],
    depths: [2],
    epochs: 1,
    lrPoints: 1,
    threads: [1],
    workers: [1, 2],
    processes: false,
  });
  const workers = rows.find((r) => r.compared === "workers 1 vs 2")!;
  if ("skipped" in workers.result) {
    assert(/no --workers flag yet/.test(workers.result.skipped), workers.result.skipped);
    console.log(`workers 1 vs 2: ${workers.result.skipped}`);
    return;
  }
  assertEquals(workers.result.identical, workers.result.runs, determinismTable(rows));
  assert(workers.result.runs >= 2, determinismTable(rows));
});
