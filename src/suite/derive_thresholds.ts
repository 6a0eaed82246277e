/**
 * Derives a preset's gate floors from measured results folders of that preset and writes
 * them into `fixtures/thresholds.json` with the rule and the measured values (the rule is
 * in `gate.ts`). Each cell's reference is every held-out seed the folders hold at the
 * cell's tuned rate (distinct seeds; at least 5).
 *
 * Usage: `deno run --allow-read --allow-write=fixtures src/suite/derive_thresholds.ts PRESET DIR...`
 *
 * @module
 */
import { deriveThresholds } from "./gate.ts";
import type { CellReference, PresetThresholds, ThresholdsFile } from "./gate.ts";
import type { RunRow } from "./schema.ts";
import { summarizeCells } from "./select.ts";
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

/** Writes `thresholds` for `preset` into the thresholds file at `path` (others kept). */
export async function writeThresholds(
  path: string,
  preset: string,
  thresholds: PresetThresholds,
): Promise<void> {
  let file: ThresholdsFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch {
    file = {
      description: "Gate floors per preset, derived from measured runs (see each derivation).",
      presets: {},
    };
  }
  const next = { ...file, presets: { ...file.presets, [preset]: thresholds } };
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + "\n");
}

if (import.meta.main) {
  const { readResults } = await import("./store.ts");
  const [preset, ...dirs] = Deno.args;
  if (!preset || dirs.length < 1) {
    console.error(
      "derive_thresholds: PRESET and at least one results folder are needed; " +
        "usage: derive_thresholds.ts PRESET DIR [DIR...]",
    );
    Deno.exit(2);
  }
  const folders = [];
  for (const d of dirs) {
    try {
      folders.push((await readResults(d)).rows);
    } catch (e) {
      console.error(`derive_thresholds: ${(e as Error).message}`);
      Deno.exit(1);
    }
  }
  const refs = pooledReferences(folders);
  const short = refs.find((r) => r.accuracies.length < 5);
  if (short) {
    console.error(
      `derive_thresholds: cell ${short.method} batch ${short.batchSize} depth ${short.depth} has ` +
        `${short.accuracies.length} held-out seeds; at least 5 are needed`,
    );
    Deno.exit(1);
  }
  const n = Math.min(...folders.map((rows) => Math.min(...summarizeCells(rows).map((c) => c.n))));
  const totals = folders.map((rows) =>
    summarizeCells(rows).reduce((s, c) => s + c.divergedHeldOut, 0)
  );
  const derivation = `${dirs.length} measured folder(s) of preset ${preset} ` +
    `(${refs[0].accuracies.length}+ held-out seeds per cell; ${
      new Date().toISOString().slice(0, 10)
    }). Command: deno task derive-thresholds ${preset} ${dirs.join(" ")}`;
  const t = deriveThresholds(refs, n, derivation, Math.max(...totals) + 2);
  await writeThresholds("fixtures/thresholds.json", preset, t);
  console.log(`wrote fixtures/thresholds.json: ${t.cells.length} cells for ${preset}`);
}
