/**
 * A real `grid` subprocess killed with SIGKILL twice, then restarted: the finished grid has
 * every run exactly once, parseable CSV files, and no curve row without its run.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsv } from "../output/csv.ts";
import { nextCellRuns } from "./cell_plan.ts";
import { gridCells, totalRuns } from "./plan.ts";
import { runRowFromRecord } from "./schema.ts";
import { validateGridSpec } from "./grid_spec.ts";
import { cliCommand, folderWithGrid, TINY_GRID_JSON } from "./_test_grid.ts";

const GRID = { ...TINY_GRID_JSON, name: "kill-test", batchSizes: [32] };

function grid(dir: string, workers = "2", stderr: "null" | "piped" = "null"): Deno.ChildProcess {
  return command(dir, workers, stderr).spawn();
}

function command(dir: string, workers: string, stderr: "null" | "piped"): Deno.Command {
  return cliCommand(dir, [
    "grid",
    "--grid",
    `${dir}/grid.json`,
    "--out",
    `${dir}/out`,
    "--backend",
    "cpu",
    "--no-plots",
    "--workers",
    workers,
  ], { stdout: "null", stderr });
}

async function finishedRuns(dir: string): Promise<number> {
  try {
    const text = await Deno.readTextFile(`${dir}/out/runs.csv`);
    return text.split("\n").length - 2; // header and the final empty string
  } catch {
    return 0;
  }
}

Deno.test("a grid on 2 workers killed with SIGKILL resumes without losing or duplicating a run", async () => {
  const dir = await folderWithGrid(GRID);
  const total = totalRuns(validateGridSpec(GRID));
  assertEquals(total, 15);
  for (let start = 0; start < 2; start++) {
    // Each start is killed two runs after it began, so that each adds runs (a start that
    // adds nothing would rightly leave meta.json as it was).
    const killAfter = (await finishedRuns(dir)) + 2;
    const child = grid(dir);
    const deadline = Date.now() + 60_000;
    while (await finishedRuns(dir) < killAfter && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL", "killed mid-grid, not finished");
    // The workers were threads of the killed process: nothing writes the folder any more.
    const after = await finishedRuns(dir);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(await finishedRuns(dir), after, "no worker survived the kill");
  }
  const before = await finishedRuns(dir);
  assert(before >= 4 && before < total, `killed with ${before} of ${total} runs done`);
  // The lock the killed process held is free: the restart takes it over.
  const last = await grid(dir).status;
  assertEquals(last.code, 0);
  const runs = parseCsv(await Deno.readTextFile(`${dir}/out/runs.csv`));
  // The searches extend past edge optima, so the grid runs at least `total`; no run lost
  // means every cell's procedure has nothing left to do, no duplicate means unique ids.
  assert(runs.length >= total);
  assertEquals(new Set(runs.map((r) => r.run_id)).size, runs.length);
  const finished = new Map(runs.map((r) => [r.run_id, runRowFromRecord(r)] as const));
  const spec = validateGridSpec(GRID);
  for (const cell of gridCells(spec)) assertEquals(await nextCellRuns(spec, cell, finished), []);
  const ids = new Set(runs.map((r) => r.run_id));
  const curves = parseCsv(await Deno.readTextFile(`${dir}/out/curves.csv`));
  assert(curves.every((c) => ids.has(c.run_id)));
  // No curve point twice: each (run, step) once, as the run wrote it.
  const points = curves.map((c) => `${c.run_id}@${c.step}`);
  assertEquals(new Set(points).size, points.length);
  assert(runs.every((r) => r.status !== "ok" || points.includes(`${r.run_id}@${r.steps}`)));
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/out/meta.json`));
  assertEquals(meta.resumedAt.length, 2);
  assert(meta.endedAt !== null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a second grid on a busy folder is refused with the holder's pid", async () => {
  // Slow runs, so the first grid is still running when the second one asks.
  const dir = await folderWithGrid({ ...GRID, epochs: 30 });
  const child = grid(dir, "1");
  const deadline = Date.now() + 60_000;
  while (await finishedRuns(dir) < 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const second = await command(dir, "1", "piped").output();
  const err = new TextDecoder().decode(second.stderr);
  child.kill("SIGKILL");
  await child.status;
  assertEquals(second.code, 1, err);
  assert(err.includes(`in use by another process (pid ${child.pid} `), err);
  assert(!err.includes("    at "), "no stack trace");
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "a grid whose wrapper (deno task) is killed with SIGKILL stops instead of running on",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await folderWithGrid({ ...GRID, name: "orphan-test", epochs: 200 });
    const wrapper = new URL("./_test_wrapper.ts", import.meta.url).pathname;
    const cli = new URL("../cli.ts", import.meta.url).pathname;
    const child = new Deno.Command("deno", {
      args: [
        "run",
        "--allow-run=deno",
        wrapper,
        "run",
        "--allow-read",
        `--allow-write=${dir}`,
        "--allow-env",
        cli,
        "grid",
        "--grid",
        `${dir}/grid.json`,
        "--out",
        `${dir}/out`,
        "--backend",
        "cpu",
        "--no-plots",
        "--workers",
        "1",
        // Bounds an orphan's life should it not stop (the test cannot kill it).
        "--max-runs",
        "4",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const pid = Number((await reader.read()).value?.trim());
    assert(Number.isInteger(pid) && pid > 0, `the wrapper printed pid ${pid}`);
    const deadline = Date.now() + 60_000;
    while (await finishedRuns(dir) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await child.status;
    const before = await finishedRuns(dir);
    // The grid inherited the wrapper's stderr: the pipe ends when the grid exits too. It
    // polls its parent every second, so it stops within a few (before the fix: after its
    // --max-runs, a minute or more later).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stderr = await Promise.race([
      new Response(child.stderr).text(),
      new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), 15_000)),
    ]);
    clearTimeout(timer);
    await reader.cancel();
    assert(
      stderr !== undefined,
      `the orphaned grid (pid ${pid}) still runs 15 s after its wrapper died`,
    );
    assert(/grid: its parent process \(pid \d+\) is gone; stopped after/.test(stderr), stderr);
    const after = await finishedRuns(dir);
    assert(after < 4, `${after} runs: the grid stopped before its --max-runs`);
    assert(after >= before);
    await Deno.remove(dir, { recursive: true });
  },
});
