/**
 * The results folder refuses what it cannot trust: a second writer, rows without or with a
 * corrupt meta.json, bad lines (file:line), a lost curves.csv, rows of another
 * configuration; it keeps meta.json as it was when a start adds nothing, and runs error
 * rows again on request.
 */
import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { fakeRunFn } from "./_test_fakes.ts";
import { fakeGridOptions, TEST_VERSIONS, twoMethodGrid } from "./_test_grid.ts";
import { FolderBusyError, FolderLock, LOCK_FILE } from "./lock.ts";
import { runId } from "./plan.ts";
import { CURVE_COLUMNS, RUN_COLUMNS, RUN_HEADERS, STABILITY_COLUMNS } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { dropStabilityColumns } from "./_test_old_format.ts";
import { runGrid } from "./runner.ts";
import type { GridRunOptions } from "./runner.ts";
import { summarizeCells } from "./select.ts";
import { readResults, ResultsError, ResultsStore } from "./store.ts";
import { summaryTables } from "./summary.ts";
import { summaryCsv } from "./tables.ts";

const grid = twoMethodGrid("store");

function options(out: string, extra: Partial<GridRunOptions> = {}): GridRunOptions {
  return fakeGridOptions(grid, out, extra);
}

/** A finished folder of `grid` in a new temporary directory (its run count depends on where
 * the rate searches end: see cell_plan.ts). */
async function finishedFolder(extra: Partial<GridRunOptions> = {}): Promise<string> {
  await useBackend("cpu");
  const out = await Deno.makeTempDir();
  const result = await runGrid(options(out, extra));
  assert(result.complete && result.rows.length >= 12);
  return out;
}

/** Rejects with a ResultsError whose message matches `pattern`, for resume and readers. */
async function refused(out: string, pattern: RegExp, readersToo = true): Promise<void> {
  await rejects(runGrid(options(out)), (e) => e instanceof ResultsError && pattern.test(e.message));
  if (readersToo) {
    await rejects(readResults(out), (e) => e instanceof ResultsError && pattern.test(e.message));
  }
}

async function editLine(path: string, line: number, edit: (text: string) => string) {
  const lines = (await Deno.readTextFile(path)).split("\n");
  lines[line - 1] = edit(lines[line - 1]);
  await Deno.writeTextFile(path, lines.join("\n"));
}

Deno.test("the lock refuses a second writer by pid and frees itself on close", async () => {
  const out = await Deno.makeTempDir();
  const store = await ResultsStore.open(out, { grid, backend: "cpu", versions: TEST_VERSIONS });
  await rejects(
    ResultsStore.open(out, { grid, backend: "cpu", versions: TEST_VERSIONS }),
    (e) => e instanceof FolderBusyError && e.message.includes(`pid ${Deno.pid} `),
  );
  await rejects(runGrid(options(out)), FolderBusyError);
  await store.close(false);
  (await ResultsStore.open(out, { grid, backend: "cpu", versions: TEST_VERSIONS })).close(false);
  // A lock file left by a dead process (no flock held) is taken over, its text reported.
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, "pid 999999 on elsewhere since then\n");
  const lock = await FolderLock.acquire(out);
  assertEquals(lock.takenOverFrom, "pid 999999 on elsewhere since then");
  lock.release();
  await Deno.remove(out, { recursive: true });
});

Deno.test("rows without meta.json, or with a corrupt one, are refused with how to start fresh", async () => {
  const out = await finishedFolder();
  const meta = await Deno.readTextFile(`${out}/meta.json`);
  await Deno.remove(`${out}/meta.json`);
  await rejects(
    runGrid(options(out)),
    (e) =>
      e instanceof ResultsError && /\d+ rows .* but no meta\.json/.test(e.message) &&
      /to start fresh, move the folder away/.test(e.message),
  );
  for (const bad of ['{"foo":1}', "{not json", JSON.stringify({ ...JSON.parse(meta), grid: 3 })]) {
    await Deno.writeTextFile(`${out}/meta.json`, bad);
    await refused(out, /meta\.json is corrupt .*to start fresh/);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("meta.json is not rewritten by a start that adds nothing; resumes are listed", async () => {
  const out = await Deno.makeTempDir();
  await useBackend("cpu");
  await runGrid(options(out, { maxRuns: 5 }));
  await runGrid(options(out, { versions: { ...TEST_VERSIONS, gitCommit: "c2" } }));
  const meta = await Deno.readTextFile(`${out}/meta.json`);
  const parsed = JSON.parse(meta);
  assertEquals(parsed.resumes.length, 1);
  assertEquals(parsed.resumes[0].runsBefore, 5);
  assertEquals(parsed.resumes[0].versions.gitCommit, "c2");
  assertEquals(parsed.versions.gitCommit, "c", "the first start's provenance stays");
  assert(parsed.endedAt !== null);
  const stat = await Deno.stat(`${out}/meta.json`);
  const again = await runGrid(options(out, { versions: { ...TEST_VERSIONS, gitCommit: "c3" } }));
  assertEquals(again.ran, 0);
  assertEquals(await Deno.readTextFile(`${out}/meta.json`), meta);
  assertEquals((await Deno.stat(`${out}/meta.json`)).mtime, stat.mtime);
  await Deno.remove(out, { recursive: true });
});

Deno.test("every bad line stops resume and readers at file:line", async () => {
  const out = await finishedFolder();
  const runs = `${out}/runs.csv`;
  const curves = `${out}/curves.csv`;
  const original = { runs: await Deno.readTextFile(runs), curves: await Deno.readTextFile(curves) };
  const restore = async () => {
    await Deno.writeTextFile(runs, original.runs);
    await Deno.writeTextFile(curves, original.curves);
  };
  const accuracyAt = RUN_COLUMNS.indexOf("final_test_accuracy");
  // The line after the last row (the header is line 1).
  const next = original.runs.trim().split("\n").length + 1;
  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      "junk row",
      () => Deno.writeTextFile(runs, "junk,row\n", { append: true }),
      new RegExp(`runs\\.csv:${next}: 2 fields; expected ${RUN_COLUMNS.length}`),
    ],
    [
      "non-numeric accuracy",
      () =>
        editLine(
          runs,
          3,
          (l) => l.split(",").map((c, i) => i === accuracyAt ? "0.9x" : c).join(","),
        ),
      /runs\.csv:3: final_test_accuracy is "0\.9x"; expected a number/,
    ],
    ...([
      ["final_test_accuracy", "7.5", "a number in \\[0, 1\\] or empty"],
      ["val_accuracy", "-0.1", "a number in \\[0, 1\\] or empty"],
      ["loss_spikes", "-3", "an integer >= 0"],
      ["steps", "2.5", "an integer >= 0"],
      ["wall_seconds", "-1", "a finite number >= 0"],
      ["test_samples", "", "an integer >= 0"],
      ["grad_norm_growth", "-1", "a number >= 0, inf or empty"],
    ] as const).map(([column, value, allowed]): [string, () => Promise<void>, RegExp] => [
      `${column} out of range`,
      () =>
        editLine(
          runs,
          3,
          (l) =>
            l.split(",").map((c, i) => i === RUN_COLUMNS.indexOf(column) ? value : c).join(","),
        ),
      new RegExp(`runs\\.csv:3: ${column} is "${value}"; expected ${allowed}`),
    ]),
    [
      "curve accuracy out of range",
      () =>
        editLine(
          curves,
          2,
          (l) =>
            l.split(",").map((c, i) => i === CURVE_COLUMNS.indexOf("val_accuracy") ? "1.5" : c)
              .join(","),
        ),
      /curves\.csv:2: val_accuracy is "1\.5"; expected a number in \[0, 1\] or empty/,
    ],
    [
      "renamed header",
      () => editLine(curves, 1, (l) => l.replace("test_accuracy", "test_acc")),
      /curves\.csv:1: the header is/,
    ],
    [
      "duplicated run",
      () => Deno.writeTextFile(runs, original.runs.split("\n")[1] + "\n", { append: true }),
      new RegExp(`runs\\.csv:${next}: run_id \\w+ is there twice`),
    ],
    [
      "duplicated curve point",
      async () => {
        const lines = original.curves.split("\n");
        await Deno.writeTextFile(
          curves,
          [lines[0], lines[1], lines[1], ...lines.slice(2)].join("\n"),
        );
      },
      /curves\.csv:3: a duplicate of an earlier line/,
    ],
    [
      "curve row of an unknown run, not a write cut short",
      async () => {
        const lines = original.curves.split("\n");
        const stray = lines[1].replace(/^\w+/, "0123456789abcdef");
        await Deno.writeTextFile(curves, [lines[0], stray, ...lines.slice(1)].join("\n"));
      },
      /curves\.csv:2: run_id 0123456789abcdef is not a run of runs\.csv/,
    ],
    [
      "lost curves.csv",
      () => Deno.remove(curves),
      /curves\.csv is missing while runs\.csv has \d+/,
    ],
  ];
  for (const [name, damage, pattern] of cases) {
    await restore();
    await damage();
    await refused(out, pattern);
    assert(name);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("rows of another configuration or version are refused on resume", async () => {
  const out = await finishedFolder();
  // A row whose id this grid would not give it (e.g. written by a version whose run id
  // ignored the epochs), behind a meta.json that claims this grid.
  const runs = `${out}/runs.csv`;
  const other = await runId({ ...grid, epochs: grid.epochs + 1 }, {
    method: "lalc",
    batchSize: 16,
    depth: 2,
    seed: 1,
    baseLr: 0.1,
  });
  const old = (await Deno.readTextFile(runs)).split("\n")[1].split(",")[0];
  for (const f of [runs, `${out}/curves.csv`]) {
    await Deno.writeTextFile(f, (await Deno.readTextFile(f)).replaceAll(old, other));
  }
  await rejects(
    runGrid(options(out)),
    (e) =>
      e instanceof ResultsError && /runs\.csv:2: run_id \w+ is not this grid's id/.test(e.message),
  );
  // And another grid's settings in the arguments are refused by meta.json.
  await rejects(
    runGrid(options(out, { grid: { ...grid, epochs: grid.epochs + 1 } })),
    (e) => e instanceof ResultsError && /a different grid/.test(e.message),
  );
  await rejects(
    runGrid(options(out, { backend: "wasm" })),
    (e) => e instanceof ResultsError && /--backend cpu/.test(e.message),
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("--retry-errors runs error rows again; the summary shows errors as errors", async () => {
  const out = await finishedFolder({ runFn: fakeRunFn({ throwAtBatch: 64 }) });
  const before = await readResults(out);
  const errors = before.rows.filter((r) => r.status === "error").length;
  assert(errors > 0);
  const table = summaryTables(summarizeCells(before.rows));
  assert(/error e\d+\/\d+/.test(table), table);
  assert(!/0\.000/.test(table), table);
  // Without the flag nothing runs again.
  assertEquals((await runGrid(options(out))).ran, 0);
  const retried = await runGrid(options(out, { retryErrors: true }));
  assertEquals([retried.retriedErrors, retried.complete], [errors, true]);
  // The retried runs now succeed, so the searches take other paths: some error rows are no
  // longer asked for, and some new rates are.
  assert(retried.ran > 0);
  const after = await readResults(out);
  assert(after.rows.every((r) => r.status === "ok"));
  assertEquals(after.meta?.resumes?.at(-1)?.retriedErrors, errors);
  await Deno.remove(out, { recursive: true });
});

/** `rows` without the stability fields and the finish time, for comparing two folders. */
const withoutStability = (rows: readonly RunRow[]) =>
  rows.map(({ maxGradNormAfterFirst: _a, gradNormGrowth: _g, finishedAt: _f, ...rest }) => rest);

Deno.test("a folder of a version before the stability columns is read, resumed and kept in its format", async () => {
  await useBackend("cpu");
  const fresh = await finishedFolder();
  const current = await readResults(fresh);
  assertEquals(current.runColumns, RUN_COLUMNS);
  // The fake run's values (_test_fakes.ts): 2.5 after the first step, 2.5 / 3 of step 1's.
  assert(current.rows.some((r) => r.status === "ok"));
  for (const r of current.rows.filter((r) => r.status === "ok")) {
    assertEquals([r.maxGradNormAfterFirst, r.gradNormGrowth], [2.5, 2.5 / 3]);
  }

  const out = await Deno.makeTempDir();
  await runGrid(options(out, { maxRuns: 5 }));
  await dropStabilityColumns(out);
  const oldText = await Deno.readTextFile(`${out}/runs.csv`);
  const old = await readResults(out);
  assertEquals(old.runColumns, RUN_HEADERS[1]);
  assertEquals(old.rows.length, 5);
  // Not recorded: NaN in the rows, absent from the records (reproduce compares only those).
  assert(old.rows.every((r) => Number.isNaN(r.maxGradNormAfterFirst + r.gradNormGrowth)));
  assert(old.runRecords.every((r) => STABILITY_COLUMNS.every((c) => !(c in r))));
  // Everything else reads as before.
  assertEquals(withoutStability(old.rows), withoutStability(current.rows.slice(0, 5)));

  // Resumed by this version: the same runs as a fresh folder, appended in the folder's own
  // columns; the rows the grid returns are those the file holds.
  const resumed = await runGrid(options(out));
  assert(resumed.complete && resumed.ran > 0);
  const text = await Deno.readTextFile(`${out}/runs.csv`);
  assert(text.startsWith(oldText), "the old rows stay as they were");
  const after = await readResults(out);
  assertEquals(after.runColumns, RUN_HEADERS[1]);
  assertEquals(withoutStability(after.rows), withoutStability(current.rows));
  assertEquals(withoutStability(resumed.rows), withoutStability(after.rows));
  assert(resumed.rows.every((r) => Number.isNaN(r.maxGradNormAfterFirst)));
  // A start that adds nothing leaves runs.csv as it was.
  assertEquals((await runGrid(options(out))).ran, 0);
  assertEquals(await Deno.readTextFile(`${out}/runs.csv`), text);

  // summary.csv: the same as the fresh folder's, but an empty max_grad_norm_growth.
  const summary = (rows: readonly RunRow[]) => summaryCsv(summarizeCells(rows)).trim().split("\n");
  const lastCell = (lines: string[]) => lines.map((l) => l.slice(l.lastIndexOf(",") + 1));
  const upTo = (lines: string[]) => lines.map((l) => l.slice(0, l.lastIndexOf(",")));
  assertEquals(upTo(summary(after.rows)), upTo(summary(current.rows)));
  assertEquals(lastCell(summary(after.rows)).slice(1), summary(after.rows).slice(1).map(() => ""));
  assert(lastCell(summary(current.rows)).slice(1).every((c) => Number(c) > 0));
  await Deno.remove(out, { recursive: true });
  await Deno.remove(fresh, { recursive: true });
});
