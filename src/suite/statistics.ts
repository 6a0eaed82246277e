/**
 * The statistics of a results folder, given the grid that made it: the cells at their tuned
 * rates (the first seed's own choice beside them), the claims (the grid's own comparisons
 * when it declares them, else the paper's; with the grid's equivalence margin, when it
 * declares one), and their text for the terminal. One place, so `grid`,
 * `report`, `merge`, `gate` and the protocol check read a folder the same way.
 *
 * @module
 */
import { type ClaimOptions, type ClaimRow, claimRows } from "./claims.ts";
import { type CellSummary, summarizeCells } from "./select.ts";
import type { RunRow } from "./schema.ts";
import { claimsTable, summaryTables, tuningChoiceLine } from "./summary.ts";
import type { GridSpec } from "./types.ts";

/** A folder's statistics: what `summary.csv` and `claims.csv` hold. */
export interface FolderStatistics {
  /** Every cell at its tuned rate (`summarizeCells`). */
  readonly cells: CellSummary[];
  /** The claim rows, one Holm family (`claimRows`). */
  readonly claims: ClaimRow[];
  /** The options the claims were computed with (the grid's comparisons and equivalence
   * margin, each if any); `claims.csv` has the equivalence columns exactly when they ask for
   * an equivalence test (`testsEquivalence`). */
  readonly claimOptions: ClaimOptions;
}

/**
 * The statistics of `rows` under `grid` (the folder's `meta.json` grid; undefined for rows
 * without one: no margin, and each cell's smallest tuning seed counts as its first).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "./store.ts";
 * import { folderStatistics } from "./statistics.ts";
 * const folder = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const stats = folderStatistics(folder.rows, folder.meta?.grid);
 * assertEquals(stats.claimOptions, {}); // smoke declares no equivalence margin
 * assertEquals(stats.cells.every((c) => c.tuningSeeds === 1), true); // tuned on seed 1
 * ```
 */
export function folderStatistics(
  rows: readonly RunRow[],
  grid: GridSpec | undefined,
): FolderStatistics {
  const margin = grid?.equivalenceMargin;
  const comparisons = grid?.comparisons;
  // Only the fields the grid has, so a grid of neither gives `{}` (as it did before both).
  const claimOptions: ClaimOptions = {
    ...(margin === undefined ? {} : { equivalenceMargin: margin }),
    ...(comparisons === undefined ? {} : { comparisons }),
  };
  const cells = summarizeCells(rows, grid ? { firstTuningSeed: grid.seeds[0] } : {});
  return { cells, claims: claimRows(cells, claimOptions), claimOptions };
}

/**
 * The terminal text of `stats`: the summary tables, the tuning line when rates were tuned
 * on several seeds, and the claims table.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "./store.ts";
 * import { folderStatistics, statisticsText } from "./statistics.ts";
 * const folder = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const text = statisticsText(folderStatistics(folder.rows, folder.meta?.grid));
 * assertEquals(text.includes("claims: LALC minus baseline"), true);
 * assertEquals(text.includes("the choice changed"), false); // one tuning seed: no such line
 * ```
 */
export function statisticsText(stats: FolderStatistics): string {
  const tuning = tuningChoiceLine(stats.cells);
  return [
    summaryTables(stats.cells),
    ...(tuning ? [tuning, ""] : []),
    claimsTable(stats.claims),
  ].join("\n");
}
