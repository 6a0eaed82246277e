/**
 * Real `grid` processes on a tiny grid of real runs (cpu backend): one serial run, one on
 * two workers, and two shards as separate processes merged with `merge`. All give the same
 * rows (timings aside) and the merged folder is the serial one line for line; gate and
 * report read it. A second process on a busy folder is refused with the holder's pid.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsv } from "../output/csv.ts";
import { cliCommand, folderWithGrid, TINY_GRID_JSON } from "./_test_grid.ts";

const GRID = {
  ...TINY_GRID_JSON,
  name: "shard-test",
  methods: ["lalc", "lars", "warmup"],
  batchSizes: [32, 64],
};
const TIMING = ["wall_seconds", "samples_per_sec", "finished_at"];

async function cli(dir: string, args: string[], env: Record<string, string> = {}) {
  const out = await cliCommand(dir, args, { env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

const grid = (
  dir: string,
  out: string,
  ...more: string[]
) => ["grid", "--grid", `${dir}/grid.json`, "--out", `${dir}/${out}`, "--backend", "cpu", ...more];

/** A CSV file without its timing columns. */
async function untimed(path: string): Promise<string[]> {
  return parseCsv(await Deno.readTextFile(path))
    .map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !TIMING.includes(k))));
}

Deno.test("two shards merged, and two workers, equal one serial run", async () => {
  const dir = await folderWithGrid(GRID);
  const runs = await Promise.all([
    cli(dir, grid(dir, "serial", "--workers", "1", "--no-plots")),
    cli(dir, grid(dir, "two", "--workers", "2", "--no-plots")),
    cli(dir, grid(dir, "s1", "--workers", "1", "--shard", "1/2")),
    // The second shard takes its K/N from Kubernetes' variables, as an Indexed Job would.
    cli(dir, grid(dir, "s2", "--workers", "1"), {
      JOB_COMPLETION_INDEX: "1",
      GRID_SHARD_COUNT: "2",
    }),
  ]);
  for (const r of runs) assertEquals(r.code, 0, r.text);
  assert(runs[3].text.includes("shard 2/2"), runs[3].text);
  const merged = await cli(dir, ["merge", "--out", `${dir}/merged`, `${dir}/s2`, `${dir}/s1`]);
  assertEquals(merged.code, 0, merged.text);
  const serialRuns = await untimed(`${dir}/serial/runs.csv`);
  // At least the planned 18; the rate searches extend past edge optima (cell_plan.ts).
  assert(serialRuns.length >= 18);
  assert(merged.text.includes(`merged 2 shards, ${serialRuns.length} runs`), merged.text);
  // Merged: line for line the serial folder (rows in the same order), timings aside.
  assertEquals(await untimed(`${dir}/merged/runs.csv`), serialRuns);
  for (const f of ["curves.csv", "layer_rates.csv"]) {
    const serial = await Deno.readTextFile(`${dir}/serial/${f}`);
    assert(serial.split("\n").length > 10, f);
    assertEquals(await Deno.readTextFile(`${dir}/merged/${f}`), serial, f);
  }
  // Two workers: the same rows, bit for bit, in a possibly other order.
  assertEquals((await untimed(`${dir}/two/runs.csv`)).sort(), [...serialRuns].sort());
  assertEquals(
    (await untimed(`${dir}/two/curves.csv`)).sort(),
    (await untimed(`${dir}/serial/curves.csv`)).sort(),
  );
  // gate and report read the merged folder unchanged (report printing the same summary).
  const report = await cli(dir, ["report", `${dir}/merged`, "--no-plots"]);
  const reportSerial = await cli(dir, ["report", `${dir}/serial`, "--no-plots"]);
  assertEquals(report.code, 0, report.text);
  // The same report, but for the folder names in its "wrote" lines.
  assertEquals(
    report.text.replaceAll(`${dir}/merged`, "DIR"),
    reportSerial.text.replaceAll(`${dir}/serial`, "DIR"),
  );
  const gate = await cli(dir, ["gate", `${dir}/merged`]);
  assert(gate.text.includes('"shard-test" has no thresholds'), gate.text); // read, then judged
  // The merge wrote the plots of a whole run.
  for (const p of ["accuracy_vs_batch", "training_curves", "lalc_layer_rates"]) {
    assert((await Deno.stat(`${dir}/merged/${p}.svg`)).size > 1000, p);
  }
  // Merging again into the same folder, a shard twice, or one shard alone is refused.
  const refusals: [string[], RegExp][] = [
    [["--out", `${dir}/merged`, `${dir}/s1`, `${dir}/s2`], /already holds results/],
    [["--out", `${dir}/m2`, `${dir}/s1`, `${dir}/s1`], /are both shard 1\/2/],
    [["--out", `${dir}/m3`, `${dir}/s1`], /shard 2\/2 missing/],
    [["--out", `${dir}/m4`, `${dir}/s1`, `${dir}/serial`], /holds a whole grid, not a shard/],
  ];
  for (const [args, message] of refusals) {
    const r = await cli(dir, ["merge", "--no-plots", ...args]);
    assertEquals(r.code, 1, r.text);
    assert(message.test(r.text), r.text);
    assert(!r.text.includes("    at "), "no stack trace");
  }
  await Deno.remove(dir, { recursive: true });
});
