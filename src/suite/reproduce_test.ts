/**
 * The reproducibility check for real: committed smoke runs re-derived bit-exactly on wasm,
 * a hand-edited committed value caught (by the library and by the `reproduce` command), and
 * every committed row's planned run rebuilt from its folder.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { toCsv } from "../output/csv.ts";
import {
  backendTolerance,
  chooseRecords,
  plannedRunOf,
  readCommitted,
  ReproduceError,
  reproduceFolder,
} from "./reproduce.ts";
import { reproduceMain } from "./reproduce_cli.ts";
import { RUN_COLUMNS, runRowFromRecord, STABILITY_COLUMNS } from "./schema.ts";
import { fakeRunFn } from "./_test_fakes.ts";
import { dropStabilityColumns } from "./_test_old_format.ts";
import { assertOneLine, cli, copyResults, inResults } from "../cli/_test_cli.ts";

const SMOKE_DIR = new URL("../../results/smoke", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** A copy of the smoke folder's results files with one cell of runs.csv replaced. */
async function editedSmoke(runId: string, column: string, value: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const f of ["meta.json", "curves.csv", "layer_rates.csv"]) {
    await Deno.copyFile(`${SMOKE_DIR}/${f}`, `${dir}/${f}`);
  }
  const text = await Deno.readTextFile(`${SMOKE_DIR}/runs.csv`);
  const [header, ...lines] = text.trimEnd().split("\n");
  const cols = header.split(",");
  const rows = lines.map((l) => l.split(","));
  const row = rows.find((r) => r[0] === runId)!;
  row[cols.indexOf(column)] = value;
  await Deno.writeTextFile(`${dir}/runs.csv`, toCsv([cols, ...rows]));
  return dir;
}

/** The cheapest smoke rows (largest batch, smallest depth), in folder order. */
async function cheapSmokeRows(): Promise<Record<string, string>[]> {
  const { grid, records } = await readCommitted(SMOKE_DIR);
  const batch = String(Math.max(...grid.batchSizes));
  const depth = String(Math.min(...grid.depths));
  return records.filter((r) => r.batch_size === batch && r.depth === String(depth));
}

Deno.test("a sample of the committed smoke runs reproduces bit-exactly on wasm", async () => {
  await useBackend("wasm");
  const { tolerance } = await backendTolerance("wasm");
  assertEquals(tolerance.absolute, 0);
  const before = tf.memory().numTensors;
  // The largest batch at each depth: seconds in all (`deno task fingerprint` re-runs 12).
  const { records } = await readCommitted(SMOKE_DIR);
  const batch = records.reduce((m, r) => Math.max(m, Number(r.batch_size)), 0);
  const runIds = [...new Set(records.map((r) => r.depth))].map((depth) =>
    records.find((r) => r.depth === depth && Number(r.batch_size) === batch)!.run_id
  );
  const report = await reproduceFolder({ dir: SMOKE_DIR, runIds, tolerance });
  assertEquals(tf.memory().numTensors, before, "no tensor leaks over the runs");
  assertEquals(report.runIds, runIds);
  assert(report.rows.some((d) => d.column === "final_test_accuracy"));
  assertEquals(
    report.mismatches,
    [],
    "results/smoke is stale: re-run it (deno task grid --preset smoke --out ...) in the change " +
      "that moved the numbers",
  );
});

Deno.test("a hand-edited committed smoke value fails the check, naming run, column and values", async () => {
  const [edited, untouched] = await cheapSmokeRows();
  const was = edited.final_test_accuracy;
  const fake = (Number(was) + 0.001).toFixed(3);
  const dir = await editedSmoke(edited.run_id, "final_test_accuracy", fake);
  try {
    const report = await reproduceFolder({ dir, runIds: [edited.run_id, untouched.run_id] });
    assertEquals(report.driftedRuns, [edited.run_id]);
    assertEquals(
      report.mismatches.map((d) => [d.runId, d.column, d.committed, d.reproduced]),
      [[edited.run_id, "final_test_accuracy", fake, was]],
    );
    // The command, as `deno task reproduce` runs it (its permissions: write only under
    // results/): exit 1, the mismatch on stdout, the drift CSV written.
    const out = `results/reproduce/test-${Deno.pid}.csv`;
    const child = await new Deno.Command("deno", {
      args: ["task", "-q", "reproduce", dir, "--run-ids", edited.run_id, "--out", out],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(child.stdout);
    assertEquals(child.code, 1, stdout + new TextDecoder().decode(child.stderr));
    assert(
      stdout.includes(
        `DRIFT run ${edited.run_id}: final_test_accuracy committed ${fake}, reproduced ${was}`,
      ),
      stdout,
    );
    assert(stdout.includes("reproduce failed: 1 of 1 runs"), stdout);
    const csv = await Deno.readTextFile(`${ROOT}/${out}`);
    await Deno.remove(`${ROOT}/${out}`);
    assert(csv.includes(`${edited.run_id},final_test_accuracy,${fake},${was},`), csv);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a column a folder does not record is not compared; one it records is", async () => {
  // The fake run (_test_fakes.ts) records 2.5 after the first step: only which columns are
  // compared matters here, so nothing is trained.
  const root = await Deno.makeTempDir();
  try {
    const dir = await copyResults("smoke", root);
    await dropStabilityColumns(dir); // as a version before the stability columns wrote it
    const [cheap] = await cheapSmokeRows();
    const runIds = [cheap.run_id];
    const old = await reproduceFolder({ dir, runIds, runFn: fakeRunFn() });
    assert(old.rows.some((d) => d.column === "max_grad_norm"));
    assertEquals(old.rows.filter((d) => STABILITY_COLUMNS.includes(d.column)), []);
    // The same folder with the columns recorded (as 1): compared, and here they differ.
    const records = (await readCommitted(dir)).records;
    const cell = (r: Record<string, string>, c: string) =>
      STABILITY_COLUMNS.includes(c) ? "1" : r[c];
    await Deno.writeTextFile(
      `${dir}/runs.csv`,
      toCsv([[...RUN_COLUMNS], ...records.map((r) => RUN_COLUMNS.map((c) => cell(r, c)))]),
    );
    const recorded = await reproduceFolder({ dir, runIds, runFn: fakeRunFn() });
    assertEquals(
      recorded.mismatches.filter((d) => STABILITY_COLUMNS.includes(d.column))
        .map((d) => [d.column, d.committed, d.reproduced]),
      [["max_grad_norm_after_first", "1", "2.5"], ["grad_norm_growth", "1", String(2.5 / 3)]],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("every committed smoke row's planned run is rebuilt from its folder", async () => {
  // results/smoke is re-run whenever the plan or the numbers change; results/standard (39 min)
  // may lag behind, which `reproduce` reports as drift, so it is not asserted here.
  const { grid, records } = await readCommitted(SMOKE_DIR);
  const rows = records.map(runRowFromRecord);
  for (const row of rows) {
    const run = await plannedRunOf(grid, rows, row);
    assert(run !== undefined, `${row.runId} not planned`);
    assertEquals(
      [run.runId, run.phase, run.lrIndex, run.seed, run.baseLr],
      [row.runId, row.phase, row.lrIndex, row.seed, row.baseLr],
    );
  }
  assert(rows.some((r) => r.phase === "seed"), "the folder has seed-phase rows");
});

Deno.test("reproduce refuses bad folders and arguments before training", async () => {
  await assert.rejects(() => readCommitted("/nonexistent"), ReproduceError);
  const { records } = await readCommitted(SMOKE_DIR);
  assert.throws(() => chooseRecords(records, { runIds: ["nope"] }), /run id nope is not in/);
  const error = console.error;
  const seen: string[] = [];
  console.error = (m: string) => seen.push(m);
  try {
    assertEquals(await reproduceMain([]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--runs", "0"]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--runs", "2", "--run-ids", "a"]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--tolerance", "-1"]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--backend", "gpu"]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--threads", "0"]), 2);
    assertEquals(await reproduceMain([SMOKE_DIR, "--run-ids", "nope", "--out", "/tmp/x.csv"]), 2);
    assertEquals(await reproduceMain(["/nonexistent", "--out", "/tmp/x.csv"]), 1);
  } finally {
    console.error = error;
  }
  assert(seen.every((m) => m.startsWith("reproduce")), seen.join("\n"));
  assert(
    seen.some((m) => m.includes('--runs: "0" is not allowed; expected an integer >= 1 or all')),
    seen.join("\n"),
  );
});

Deno.test("reproduce refuses, before training, what every other command refuses", async () => {
  await inResults(async (dir) => {
    const smoke = await copyResults("smoke", `${ROOT}/${dir}`);
    const curves = await Deno.readTextFile(`${smoke}/curves.csv`);
    const [header, first, ...rest] = curves.split("\n");
    // A curve row of a run runs.csv lacks, in the middle of the file: not a write cut short.
    const orphan = first.replace(/^\w+/, "0123456789abcdef");
    await Deno.writeTextFile(`${smoke}/curves.csv`, [header, orphan, first, ...rest].join("\n"));
    assertOneLine(
      await cli("reproduce", [smoke, "--runs", "1"]),
      "reproduce",
      1,
      /curves\.csv:2: run_id 0123456789abcdef is not a run of runs\.csv/,
    );
    await Deno.remove(`${smoke}/curves.csv`);
    assertOneLine(
      await cli("reproduce", [smoke, "--runs", "1"]),
      "reproduce",
      1,
      /curves\.csv is missing while runs\.csv has \d+ finished runs/,
    );
    assertOneLine(
      await cli("reproduce", ["results/smoke", "--runs", "-2"]),
      "reproduce",
      2,
      /^reproduce: --runs: "-2" is not allowed; expected an integer >= 1 or all$/,
    );
    assertOneLine(
      await cli("reproduce", ["results/smoke", "--tolerance", "-1"]),
      "reproduce",
      2,
      /^reproduce: --tolerance: "-1" is not allowed; expected a number >= 0$/,
    );
    // An existing folder as --out: refused at once, not after re-running every row.
    const r = await cli("reproduce", ["results/smoke", "--runs", "all", "--out", dir]);
    assertOneLine(r, "reproduce", 2, /--out: ".*" is a folder; expected a file path/);
    assertEquals(r.stdout, "");
  });
});

Deno.test("a committed row today's procedure would not run is reported, not trained", async () => {
  const { grid, records } = await readCommitted(SMOKE_DIR);
  const rows = records.map(runRowFromRecord);
  const stray = { ...rows[0], runId: "0000000000000000", baseLr: 0.123 };
  assertEquals(await plannedRunOf(grid, [...rows, stray], stray), undefined);
  // The same configuration under another id (a changed id recipe) is still planned.
  const renamed = { ...rows[0], runId: "ffffffffffffffff" };
  const run = await plannedRunOf(grid, rows.slice(1), renamed);
  assertEquals(run?.runId, rows[0].runId);
});

Deno.test("backendTolerance: measured entries, bit-exact for unlisted backends, bad files refused", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        backends: {
          native: { absolute: 1e-6, columns: { final_test_accuracy: 0.002 }, measured: "m" },
          bad: { absolute: -1 },
        },
      }),
    );
    const native = await backendTolerance("native", file);
    assertEquals(native.tolerance, { absolute: 1e-6, columns: { final_test_accuracy: 0.002 } });
    assertEquals(native.measured, "m");
    assertEquals((await backendTolerance("webgpu", file)).tolerance.absolute, 0);
    await assert.rejects(() => backendTolerance("bad", file), /absolute is -1; expected/);
  } finally {
    await Deno.remove(file);
  }
});
