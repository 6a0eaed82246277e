/**
 * gate-power's prefill: a repeat started from another repeat's folder gets each tuning run's
 * curve points once, so the folder stays one that every reader accepts.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { addNewRuns, failuresOnDepths, prefill, repeatSeeds } from "./gate_power.ts";
import { checkThresholds } from "./gate.ts";
import { summarizeCells } from "./select.ts";
import { DEFAULT_THRESHOLDS, readThresholdsFile } from "./thresholds_file.ts";
import { PRESETS } from "./presets.ts";
import { readResults } from "./store.ts";
import { TEST_VERSIONS } from "./_test_grid.ts";

Deno.test("a repeat prefilled from the reference and a clean repeat has no duplicate curve point", async () => {
  const ref = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
  const tune = ref.rows.filter((r) => r.phase === "tune" && r.depth === 2);
  const grid = (k: number) => ({
    ...PRESETS.smoke,
    depths: [2],
    seeds: [PRESETS.smoke.seeds[0], ...repeatSeeds(k)],
  });
  const dir = await Deno.makeTempDir();
  try {
    const curves = [...ref.curves];
    await prefill(`${dir}/clean_0`, grid(0), tune, curves, TEST_VERSIONS);
    addNewRuns(curves, (await readResults(`${dir}/clean_0`)).curves);
    await prefill(`${dir}/regression_0`, grid(1), tune, curves, TEST_VERSIONS);
    const folder = await readResults(`${dir}/regression_0`); // refused on a duplicate point
    assertEquals(folder.rows.length, tune.length);
    const ids = new Set(tune.map((r) => r.runId));
    assertEquals(folder.curves.length, ref.curves.filter((c) => ids.has(c.run_id)).length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gate-power checks a folder on the measured depths only: more depths are not false alarms, a drop there still fails", async () => {
  const smoke = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
  const root = new URL("../../", import.meta.url).pathname;
  const floors = (await readThresholdsFile(`${root}${DEFAULT_THRESHOLDS}`)).presets.smoke;
  assertEquals([...new Set(smoke.rows.map((r) => r.depth))].sort(), [2, 8]);
  assertEquals(failuresOnDepths(smoke.rows, floors, [2]), []);
  // What it prevents: the plain gate against depth-2 floors flags every depth-8 cell.
  const depth2 = { ...floors, cells: floors.cells.filter((c) => c.depth === 2) };
  assertEquals(checkThresholds(summarizeCells(smoke.rows), depth2).length, 10);
  // A cell of the measured depth that drops still fails.
  const dropped = smoke.rows.map((r) =>
    r.method === "lalc" && r.batchSize === 32 && r.depth === 2 && r.phase === "seed"
      ? { ...r, finalTestAccuracy: 0.1 }
      : r
  );
  const failures = failuresOnDepths(dropped, floors, [2]);
  assert(failures.some((f) => f.cell === "lalc batch 32 depth 2"), JSON.stringify(failures));
});
