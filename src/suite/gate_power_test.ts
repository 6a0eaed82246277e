/**
 * gate-power's prefill: a repeat started from another repeat's folder gets each tuning run's
 * curve points once, so the folder stays one that every reader accepts.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { addNewRuns, prefill, repeatSeeds } from "./gate_power.ts";
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
