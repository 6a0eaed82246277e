/**
 * Derives a preset's gate floors from measured results folders of that preset and writes
 * them into `fixtures/thresholds.json` with the rule and the measured values (the rule is
 * in `gate.ts`). Each cell's reference is every held-out seed the folders hold at the
 * cell's tuned rate (distinct seeds; at least 5).
 *
 * Usage: `deno task derive-thresholds PRESET DIR...` (`cli.ts derive-thresholds --help`).
 *
 * @module
 */
import { CliError, parseCommand } from "../cli/args.ts";
import { guard } from "../cli/guard.ts";
import { checkOutFile } from "../cli/out_dir.ts";
import { deriveThresholds } from "./gate.ts";
import { DEFAULT_THRESHOLDS, readThresholdsFile } from "./thresholds_file.ts";
import type { CellReference, PresetThresholds, ThresholdsFile } from "./gate.ts";
import { gridCells } from "./plan.ts";
import { checkFolderOfPreset, checkPresetHasFloors, missingCells } from "./preset_folder.ts";
import { PRESETS } from "./presets.ts";
import type { RunRow } from "./schema.ts";
import { summarizeCells } from "./select.ts";
import { readResults } from "./store.ts";
import { writeFileAtomic } from "../output/atomic.ts";

/**
 * The reference of every cell: the held-out accuracies of all `folders` (each the rows of
 * one results folder of the same preset and tuning seed), pooled by distinct seed.
 *
 * @example
 * ```ts ignore
 * const refs = pooledReferences([rowsA, rowsB]);
 * ```
 */
export function pooledReferences(folders: readonly (readonly RunRow[])[]): CellReference[] {
  const byCell = new Map<string, { ref: CellReference; bySeed: Map<number, number> }>();
  for (const rows of folders) {
    for (const c of summarizeCells(rows)) {
      const key = `${c.method}|${c.batchSize}|${c.depth}`;
      const entry = byCell.get(key) ?? {
        ref: { ...c, accuracies: [], maxDivergedSeen: 0 },
        bySeed: new Map(),
      };
      c.seeds.forEach((s, i) => entry.bySeed.set(s, c.accuracies[i]));
      entry.ref = {
        method: c.method,
        batchSize: c.batchSize,
        depth: c.depth,
        accuracies: [],
        maxDivergedSeen: Math.max(entry.ref.maxDivergedSeen, c.divergedHeldOut),
      };
      byCell.set(key, entry);
    }
  }
  return [...byCell.values()].map(({ ref, bySeed }) => ({
    ...ref,
    accuracies: [...bySeed.keys()].sort((a, b) => a - b).map((s) => bySeed.get(s)!),
  }));
}

/**
 * Writes `thresholds` for `preset` into the thresholds file at `path` (others kept). A file
 * that exists but is not a valid thresholds file is refused, never replaced.
 */
export async function writeThresholds(
  path: string,
  preset: string,
  thresholds: PresetThresholds,
): Promise<void> {
  const file = await readThresholdsOrNew(path);
  const next = { ...file, presets: { ...file.presets, [preset]: thresholds } };
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + "\n");
}

/** The thresholds file at `path`, checked, or a new empty one where there is none. */
export async function readThresholdsOrNew(path: string): Promise<ThresholdsFile> {
  try {
    await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return {
      description: "Gate floors per preset, derived from measured runs (see each derivation).",
      presets: {},
    };
  }
  return await readThresholdsFile(path);
}

const HELP = `usage: cli.ts derive-thresholds PRESET DIR... [--thresholds FILE]

Derives the gate floors of PRESET from the results folders DIR (a run of the preset, and
repeats of it with other held-out seeds) and writes them into FILE, keeping its other
presets. Refused, before anything is written, unless every folder is of PRESET (its grid,
up to the held-out seeds and a subset of depths) and together they cover every cell of it
with at least 5 held-out seeds.

  --thresholds FILE  the file to write (default ${DEFAULT_THRESHOLDS})
  -h, --help         show this text

presets: ${Object.keys(PRESETS).join(", ")}`;

/**
 * \`derive-thresholds PRESET DIR...\`: writes PRESET's floors into the thresholds file.
 *
 * @example
 * \`\`\`ts ignore
 * Deno.exit(await deriveThresholdsMain(["standard", "results/standard"]));
 * \`\`\`
 */
export function deriveThresholdsMain(args: string[]): Promise<number> {
  return guard("derive-thresholds", async () => {
    const parsed = parseCommand({
      name: "derive-thresholds",
      help: HELP,
      options: { thresholds: { type: "string", default: DEFAULT_THRESHOLDS } },
      positionals: {
        min: 2,
        max: Infinity,
        what: "a preset and at least one results folder (cli.ts derive-thresholds PRESET DIR...)",
      },
    }, args);
    if (parsed === undefined) return 0;
    const { values: { thresholds: path }, positionals: [name, ...dirs] } = parsed;
    const preset = PRESETS[name];
    if (preset === undefined) {
      throw new CliError(
        `PRESET "${name}" is not allowed; expected one of ${Object.keys(PRESETS).join(", ")}`,
      );
    }
    checkPresetHasFloors(preset, "PRESET");
    await checkOutFile("derive-thresholds", "thresholds", path, "fixtures/");
    await readThresholdsOrNew(path); // a corrupt file is refused now, not overwritten later
    const folders: RunRow[][] = [];
    for (const d of dirs) {
      const folder = await readResults(d);
      checkFolderOfPreset(d, folder, preset, "folder", false);
      folders.push(folder.rows);
    }
    const missing = missingCells(folders, preset);
    if (missing.length > 0) {
      throw new CliError(
        `${dirs.join(" ")} lack${dirs.length > 1 ? "" : "s"} held-out runs of ` +
          `${missing.length} of the ${preset.name} preset's ${gridCells(preset).length} cells ` +
          `(${missing.slice(0, 3).join("; ")}${missing.length > 3 ? "; ..." : ""}); floors ` +
          "must cover every cell: finish the grid (run it again to resume) and derive again",
        1,
      );
    }
    const refs = pooledReferences(folders);
    const short = refs.find((r) => r.accuracies.length < 5);
    if (short) {
      throw new CliError(
        `cell ${short.method} batch ${short.batchSize} depth ${short.depth} has ` +
          `${short.accuracies.length} held-out seeds in ${dirs.join(" ")}; at least 5 are needed`,
        1,
      );
    }
    const n = Math.min(...folders.map((rows) => Math.min(...summarizeCells(rows).map((c) => c.n))));
    const totals = folders.map((rows) =>
      summarizeCells(rows).reduce((s, c) => s + c.divergedHeldOut, 0)
    );
    const derivation = `${dirs.length} measured folder(s) of preset ${preset.name} ` +
      `(${refs[0].accuracies.length}+ held-out seeds per cell; ${
        new Date().toISOString().slice(0, 10)
      }). Command: deno task derive-thresholds ${preset.name} ${dirs.join(" ")}`;
    const t = deriveThresholds(refs, n, derivation, Math.max(...totals) + 2);
    await writeThresholds(path, preset.name, t);
    console.log(`wrote ${path}: ${t.cells.length} cells for ${preset.name}`);
    return 0;
  });
}
