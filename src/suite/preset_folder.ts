/**
 * Whether a results folder is a measurement of a preset, and whether a preset can have
 * floors at all: the checks `derive-thresholds` and `gate-power` make before any work, so
 * floors are never derived from, and repeats never prefilled with, the runs of another grid
 * or of another tuning, and hours of repeats never end in floors the thresholds file
 * refuses.
 *
 * @module
 */
import { CliError } from "../cli/args.ts";
import { sameGrid } from "./grid_spec.ts";
import { entryName } from "../methods/variants.ts";
import { gridCells, tuningSeeds } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import type { ResultsFolder } from "./store.ts";
import type { GridSpec } from "./types.ts";

const key = (c: { method: string; batchSize: number; depth: number }) =>
  `${c.method} batch ${c.batchSize} depth ${c.depth}`;

/** `seed 1` or `seeds 1, 2, 3`. */
const seedsText = (seeds: readonly number[]) =>
  `seed${seeds.length === 1 ? "" : "s"} ${seeds.join(", ")}`;

/** How `grid` tunes, for a message: `seed 1`, or `the mean of seeds 1, 2, 3 (lrGrid.tuneOn
 * "first-k-seeds")`. */
function tuningText(grid: GridSpec): string {
  const seeds = tuningSeeds(grid);
  return seeds.length === 1
    ? seedsText(seeds)
    : `the mean of ${seedsText(seeds)} (lrGrid.tuneOn "${grid.lrGrid.tuneOn}")`;
}

/**
 * Refuses, in one line, a preset whose floors the thresholds file could not hold: floors
 * cover the methods of `METHODS`, so a preset that runs variants (`ablation`,
 * `warmup-factorial`) has none. `derive-thresholds` and `gate-power` check it before any
 * work (gate-power would otherwise run for hours and fail at the end).
 *
 * @param what how the preset was given, for the message (`--preset`, `PRESET`).
 * @throws {CliError} (exit 2) naming the variants.
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkPresetHasFloors } from "./preset_folder.ts";
 * import { PRESETS } from "./presets.ts";
 * checkPresetHasFloors(PRESETS.smoke, "--preset");
 * throws(() => checkPresetHasFloors(PRESETS.ablation, "--preset"), /runs method variants/);
 * ```
 */
export function checkPresetHasFloors(preset: GridSpec, what: string): void {
  const variants = preset.methods.filter((m) => typeof m !== "string").map(entryName);
  if (variants.length === 0) return;
  throw new CliError(
    `${what} ${preset.name} runs method variants (${variants.slice(0, 3).join(", ")}` +
      `${variants.length > 3 ? ", ..." : ""}); gate floors cover the methods of the paper's ` +
      "presets only (smoke, standard, cnn, paper)",
  );
}

/**
 * Refuses, in one line, a preset `gate-power` cannot measure: its clean repeats keep the
 * preset's tuning seed 1 (and its tuning runs) and swap the held-out seeds 2-6 for new ones,
 * which is a repeat only where seed 1 alone tunes (`lrGrid.tuneOn` `first-seed`). Under
 * `first-k-seeds` the repeats' own seeds would join the tuning, under `all-seeds` every seed
 * tunes.
 *
 * @throws {CliError} (exit 2) saying how the preset tunes.
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkTunedOnFirstSeed } from "./preset_folder.ts";
 * import { PRESETS } from "./presets.ts";
 * checkTunedOnFirstSeed(PRESETS.smoke);
 * const k3 = { ...PRESETS.smoke, lrGrid: { ...PRESETS.smoke.lrGrid, tuneOn: "first-k-seeds", tuneSeeds: 3 } } as const;
 * throws(() => checkTunedOnFirstSeed(k3), /tunes each rate on the mean of seeds 1, 2, 3/);
 * ```
 */
export function checkTunedOnFirstSeed(preset: GridSpec): void {
  if (preset.lrGrid.tuneOn === "first-seed") return;
  throw new CliError(
    `--preset ${preset.name} tunes each rate on ${tuningText(preset)}; gate-power ` +
      "measures presets tuned on their first seed alone (a repeat keeps seed 1's tuning runs " +
      "and swaps the held-out seeds for new ones)",
  );
}

/**
 * Checks that `folder` (read from `dir`) holds runs of `preset`. With `exact`, its grid must
 * be the preset's; without, it may differ in its held-out seeds and run a subset of the
 * preset's depths (a clean repeat of `gate-power`), but its tuning seeds must be the
 * preset's (all of them, where it tunes on the mean of several). Every row must be of the
 * preset by name and of one of its cells, and every tuning run of one of its tuning seeds.
 * A folder without `meta.json` is checked by its rows alone.
 *
 * @param what how the folder was given, for the message (`--ref`, `folder`).
 * @throws {CliError} (exit 2: another folder is the fix) naming the difference.
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkFolderOfPreset } from "./preset_folder.ts";
 * import { PRESETS } from "./presets.ts";
 * import { readResults } from "./store.ts";
 * const dir = new URL("../../results/smoke", import.meta.url).pathname;
 * const folder = await readResults(dir);
 * checkFolderOfPreset(dir, folder, PRESETS.smoke, "folder", true);
 * throws(() => checkFolderOfPreset(dir, folder, PRESETS.standard, "folder", true), /not of preset standard/);
 * ```
 */
export function checkFolderOfPreset(
  dir: string,
  folder: ResultsFolder,
  preset: GridSpec,
  what: string,
  exact: boolean,
): void {
  const refuse = (why: string): never => {
    throw new CliError(
      `${what} ${dir}: ${why}, so it is not of preset ${preset.name}; give a results folder ` +
        `of \`grid --preset ${preset.name}\``,
    );
  };
  const grid = folder.meta?.grid;
  if (grid !== undefined) {
    if (grid.name !== preset.name) refuse(`its meta.json names grid "${grid.name}"`);
    // The whole list, not the first seed: with several tuning seeds a folder of other seeds
    // may share the first and still tune on others.
    if (tuningSeeds(grid).join() !== tuningSeeds(preset).join()) {
      refuse(
        `its grid tunes each rate on ${tuningText(grid)}, the preset on ${tuningText(preset)}`,
      );
    }
    const relaxed = { ...grid, seeds: preset.seeds, depths: preset.depths };
    const same = exact ? sameGrid(grid, preset) : sameGrid(relaxed, preset) &&
      grid.depths.every((d) => preset.depths.includes(d));
    if (!same) refuse(`its grid "${grid.name}" has other settings than the preset`);
  }
  const cells = new Set(gridCells(preset).map(key));
  const tuning = tuningSeeds(preset);
  for (const r of folder.rows) {
    if (r.preset !== preset.name) refuse(`its runs.csv has rows of preset "${r.preset}"`);
    if (!cells.has(key(r))) refuse(`its runs.csv has runs of ${key(r)}`);
    if (r.phase === "tune" && !tuning.includes(r.seed)) {
      refuse(`its runs.csv tunes ${key(r)} on seed ${r.seed}, the preset on ${seedsText(tuning)}`);
    }
  }
}

/**
 * The cells of `preset` that none of `folders` (rows of results folders) has a finished
 * held-out seed of, as `method batch B depth D`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { missingCells } from "./preset_folder.ts";
 * import { PRESETS } from "./presets.ts";
 * assertEquals(missingCells([], PRESETS.smoke).length, 20);
 * ```
 */
export function missingCells(folders: readonly (readonly RunRow[])[], preset: GridSpec): string[] {
  const seen = new Set(
    folders.flat().filter((r) => r.phase === "seed" && r.status !== "error").map(key),
  );
  return gridCells(preset).map(key).filter((c) => !seen.has(c));
}
