/**
 * Whether a results folder is a measurement of a preset: the check `derive-thresholds` and
 * `gate-power` make before any work, so floors are never derived from, and repeats never
 * prefilled with, the runs of another grid.
 *
 * @module
 */
import { CliError } from "../cli/args.ts";
import { sameGrid } from "./grid_spec.ts";
import { gridCells } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import type { ResultsFolder } from "./store.ts";
import type { GridSpec } from "./types.ts";

const key = (c: { method: string; batchSize: number; depth: number }) =>
  `${c.method} batch ${c.batchSize} depth ${c.depth}`;

/**
 * Checks that `folder` (read from `dir`) holds runs of `preset`. With `exact`, its grid must
 * be the preset's; without, it may differ in its held-out seeds and run a subset of the
 * preset's depths (a clean repeat of `gate-power`), but its tuning seed must be the preset's.
 * Every row must be of the preset by name and of one of its cells. A folder without
 * `meta.json` is checked by its rows alone.
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
    const relaxed = { ...grid, seeds: preset.seeds, depths: preset.depths };
    const same = exact ? sameGrid(grid, preset) : sameGrid(relaxed, preset) &&
      grid.seeds[0] === preset.seeds[0] && grid.depths.every((d) => preset.depths.includes(d));
    if (!same) refuse(`its grid "${grid.name}" has other settings than the preset`);
  }
  const cells = new Set(gridCells(preset).map(key));
  for (const r of folder.rows) {
    if (r.preset !== preset.name) refuse(`its runs.csv has rows of preset "${r.preset}"`);
    if (!cells.has(key(r))) refuse(`its runs.csv has runs of ${key(r)}`);
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
