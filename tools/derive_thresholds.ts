/**
 * Derives a preset's gate floors from several measured results folders of that preset
 * (repeats with other seeds), and writes them into `fixtures/thresholds.json` together with
 * the rule and the measured values.
 *
 * Rule, per (method, batch size, depth) cell: floor = lowest measured median minus a margin
 * of max(MIN_MARGIN, range of the measured medians), so a cell fails only when it falls
 * clearly below everything seen across seeds; allowed divergences = most seen + 1.
 *
 * Usage: `deno run --allow-read --allow-write=fixtures tools/derive_thresholds.ts PRESET DIR...`
 *
 * @module
 */
import type { CellThreshold, PresetThresholds, ThresholdsFile } from "../src/suite/gate.ts";
import { readResults } from "../src/suite/store.ts";
import { summarizeCells } from "../src/suite/select.ts";
import type { CellSummary } from "../src/suite/select.ts";
import { writeFileAtomic } from "../src/suite/store.ts";

/** The smallest margin below the lowest measured median (3 percentage points). */
export const MIN_MARGIN = 0.03;

/**
 * Floors from `repeats` (each the cells of one measured folder).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "../src/suite/store.ts";
 * import { summarizeCells } from "../src/suite/select.ts";
 * import { deriveThresholds } from "./derive_thresholds.ts";
 * const cells = summarizeCells((await readResults(new URL("../results/smoke", import.meta.url).pathname)).rows);
 * const t = deriveThresholds([cells, cells], "the same folder twice");
 * assertEquals(t.cells.length, cells.length);
 * ```
 */
export function deriveThresholds(repeats: CellSummary[][], derivation: string): PresetThresholds {
  const cells: CellThreshold[] = [];
  for (const c of repeats[0]) {
    const same = repeats.map((r) =>
      r.find((x) => x.method === c.method && x.batchSize === c.batchSize && x.depth === c.depth)
    );
    if (same.some((x) => x === undefined)) {
      throw new Error(
        `cell ${c.method} batch ${c.batchSize} depth ${c.depth} is missing from a repeat`,
      );
    }
    const medians = same.map((x) => x!.median);
    const margin = Math.max(MIN_MARGIN, Math.max(...medians) - Math.min(...medians));
    cells.push({
      method: c.method,
      batchSize: c.batchSize,
      depth: c.depth,
      minAccuracy: Math.max(0, Math.floor((Math.min(...medians) - margin) * 1000) / 1000),
      maxDiverged: Math.max(...same.map((x) => x!.diverged)) + 1,
      measured: medians.map((m) => Math.round(m * 10000) / 10000),
    });
  }
  const totals = repeats.map((r) => r.reduce((s, c) => s + c.diverged, 0));
  return { derivation, maxDivergedTotal: Math.max(...totals) + 2, cells };
}

if (import.meta.main) {
  const [preset, ...dirs] = Deno.args;
  if (!preset || dirs.length < 2) {
    console.error(
      "usage: derive_thresholds.ts PRESET DIR DIR [DIR...] (at least two measured folders)",
    );
    Deno.exit(2);
  }
  const repeats = await Promise.all(
    dirs.map(async (d) => summarizeCells((await readResults(d)).rows)),
  );
  const metas = await Promise.all(dirs.map(async (d) => (await readResults(d)).meta));
  const seeds = metas.map((m) => JSON.stringify(m?.grid.seeds));
  const backend = metas.map((m) => m?.backend).join("/");
  const derivation =
    `${dirs.length} measured runs of preset ${preset} (seeds ${seeds.join(", ")}; ` +
    `backend ${backend}; ${new Date().toISOString().slice(0, 10)}). Per cell: floor = lowest ` +
    `measured median - max(${MIN_MARGIN}, range of the measured medians); maxDiverged = most ` +
    "diverged runs seen in the cell + 1; maxDivergedTotal = most seen in a whole grid + 2. " +
    `Command: deno run --allow-read --allow-write=fixtures tools/derive_thresholds.ts ${preset} ${
      dirs.join(" ")
    }`;
  const path = "fixtures/thresholds.json";
  let file: ThresholdsFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch {
    file = {
      description: "Gate floors per preset, derived from measured runs (see each derivation).",
      presets: {},
    };
  }
  const next = {
    ...file,
    presets: { ...file.presets, [preset]: deriveThresholds(repeats, derivation) },
  };
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + "\n");
  console.log(`wrote ${path}: ${next.presets[preset].cells.length} cells for ${preset}`);
}
