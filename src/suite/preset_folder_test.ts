/**
 * The preset checks of `derive-thresholds` and `gate-power` where tuning uses several seeds
 * or methods are variants: each is refused before any work in one line, never measured as
 * if seed 1 alone tuned.
 */
import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CliError } from "../cli/args.ts";
import {
  checkFolderOfPreset,
  checkPresetHasFloors,
  checkTunedOnFirstSeed,
} from "./preset_folder.ts";
import { PRESETS, SMOKE } from "./presets.ts";
import type { RunRow } from "./schema.ts";
import type { ResultsFolder } from "./store.ts";
import type { GridSpec } from "./types.ts";

/** SMOKE tuned on the mean of its first 3 seeds (and 8 seeds, 5 held out). */
const K3: GridSpec = {
  ...SMOKE,
  seeds: [1, 2, 3, 4, 5, 6, 7, 8],
  lrGrid: { ...SMOKE.lrGrid, tuneOn: "first-k-seeds", tuneSeeds: 3 },
};

/** A folder of `grid` (its meta.json, when given) holding tuning runs of `tuneSeeds`. */
function folderOf(grid: GridSpec | undefined, tuneSeeds: readonly number[]): ResultsFolder {
  const rows = tuneSeeds.map((seed) =>
    ({
      preset: "smoke",
      method: "lalc",
      batchSize: 32,
      depth: 2,
      phase: "tune",
      seed,
      lrIndex: 0,
    }) as RunRow
  );
  return { rows, meta: grid && { grid } } as unknown as ResultsFolder;
}

/** The message `f` throws as a CliError (and that it is one line). */
function refusal(f: () => void): string {
  try {
    f();
  } catch (e) {
    assert(e instanceof CliError, String(e));
    assert(!e.message.includes("\n"), e.message);
    return e.message;
  }
  throw new Error("not refused");
}

Deno.test("a folder tuned on other seeds than the preset is refused, naming both tunings", () => {
  // smoke's name on a grid tuned on 3 seeds: not a measurement of smoke.
  const k3Smoke = refusal(() =>
    checkFolderOfPreset("d", folderOf(K3, [1, 2, 3]), SMOKE, "folder", false)
  );
  assertEquals(
    k3Smoke,
    "folder d: its grid tunes each rate on the mean of seeds 1, 2, 3 (lrGrid.tuneOn " +
      '"first-k-seeds"), the preset on seed 1, so it is not of preset smoke; give a results ' +
      "folder of `grid --preset smoke`",
  );
  // Against a preset tuned on seeds 1-3, a repeat with other held-out seeds passes, and one
  // that shares the first seed only (seeds[0]) does not.
  const repeat = { ...K3, seeds: [1, 2, 3, 9, 10, 11, 12, 13] };
  checkFolderOfPreset("d", folderOf(repeat, [1, 2, 3]), K3, "folder", false);
  const shifted = { ...K3, seeds: [1, 9, 10, 11, 12, 13, 14, 15] };
  assert(
    /tunes each rate on the mean of seeds 1, 9, 10 .*, the preset on the mean of seeds 1, 2, 3/
      .test(refusal(() => checkFolderOfPreset("d", folderOf(shifted, []), K3, "folder", false))),
  );
  // A folder without meta.json is read by its rows: a tuning run of seed 2 is not smoke's.
  assert(
    /runs\.csv tunes lalc batch 32 depth 2 on seed 2, the preset on seed 1/.test(
      refusal(() => checkFolderOfPreset("d", folderOf(undefined, [1, 2]), SMOKE, "folder", false)),
    ),
  );
  checkFolderOfPreset("d", folderOf(undefined, [1]), SMOKE, "folder", false);
});

Deno.test("gate-power refuses a preset tuned on several seeds; variant presets have no floors", () => {
  for (const name of ["smoke", "cnn", "paper"]) {
    checkPresetHasFloors(PRESETS[name], "--preset");
    checkTunedOnFirstSeed(PRESETS[name]);
  }
  // standard and large-batch have no variants (floors are derived from their runs) but tune
  // on seeds 1-3, so gate-power cannot repeat them.
  for (const name of ["standard", "large-batch"]) {
    checkPresetHasFloors(PRESETS[name], "--preset");
    assert(/mean of seeds 1, 2, 3/.test(refusal(() => checkTunedOnFirstSeed(PRESETS[name]))));
  }
  assertEquals(
    refusal(() => checkTunedOnFirstSeed(K3)),
    '--preset smoke tunes each rate on the mean of seeds 1, 2, 3 (lrGrid.tuneOn "first-k-seeds"); ' +
      "gate-power measures presets tuned on their first seed alone (a repeat keeps seed 1's " +
      "tuning runs and swaps the held-out seeds for new ones)",
  );
  const all = { ...SMOKE, lrGrid: { ...SMOKE.lrGrid, tuneOn: "all-seeds" as const } };
  assert(
    /tunes each rate on the mean of seeds 1, 2, 3, 4, 5, 6/.test(
      refusal(() => checkTunedOnFirstSeed(all)),
    ),
  );
  assertEquals(
    refusal(() => checkPresetHasFloors(PRESETS.ablation, "PRESET")),
    "PRESET ablation runs method variants (lalc-k0.005, lalc-k0.01, lalc-k0.05, ...); gate " +
      "floors cover the methods of the paper's presets only (smoke, standard, cnn, paper)",
  );
  throws(() => checkPresetHasFloors(PRESETS["warmup-factorial"], "--preset"), /variants/);
});
