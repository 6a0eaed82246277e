/**
 * A real `grid` subprocess killed with SIGKILL twice, then restarted: the finished grid has
 * every run exactly once, parseable CSV files, and no curve row without its run.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsv } from "../output/csv.ts";
import { totalRuns } from "./plan.ts";
import { validateGridSpec } from "./grid_spec.ts";

const GRID = {
  extends: "smoke",
  name: "kill-test",
  dataset: { name: "synthetic", trainSamples: 256, testSamples: 64 },
  model: { kind: "mlp", width: 8 },
  depths: [2],
  batchSizes: [32],
  seeds: [1, 2],
  epochs: 1,
  lrGrid: { points: 2, factor: 10 },
  evalPoints: 2,
  evalSamples: 64,
  traceSteps: 3,
};
const CLI = new URL("../cli.ts", import.meta.url).pathname;

function grid(dir: string): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${dir}`,
      "--allow-env",
      CLI,
      "grid",
      "--grid",
      `${dir}/grid.json`,
      "--out",
      `${dir}/out`,
      "--backend",
      "cpu",
      "--no-plots",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function finishedRuns(dir: string): Promise<number> {
  try {
    const text = await Deno.readTextFile(`${dir}/out/runs.csv`);
    return text.split("\n").length - 2; // header and the final empty string
  } catch {
    return 0;
  }
}

Deno.test("a grid killed with SIGKILL resumes without losing or duplicating a run", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(GRID));
  const total = totalRuns(validateGridSpec(GRID));
  assertEquals(total, 15);
  for (const killAfter of [2, 7]) {
    const child = grid(dir);
    const deadline = Date.now() + 60_000;
    while (await finishedRuns(dir) < killAfter && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL", "killed mid-grid, not finished");
  }
  const before = await finishedRuns(dir);
  assert(before >= 7 && before < total, `killed with ${before} of ${total} runs done`);
  const last = await grid(dir).status;
  assertEquals(last.code, 0);
  const runs = parseCsv(await Deno.readTextFile(`${dir}/out/runs.csv`));
  assertEquals(runs.length, total);
  assertEquals(new Set(runs.map((r) => r.run_id)).size, total);
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
