/**
 * The terminal summary of a grid: per depth, a method x batch-size table of median test
 * accuracy at the tuned rate, its spread over seeds, and divergence counts.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";

/**
 * The summary tables of `cells` (from `summarizeCells`), one per depth.
 * Each entry reads `0.842 ±0.010 d1/6`: median accuracy, (max - min) / 2 over seeds,
 * diverged runs / runs of the cell over every tried rate and seed; ` e2` counts runs that
 * ended as error, and a cell whose every run at the tuned rate failed reads `error e3/3`
 * (a failure is not an accuracy of 0).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "./store.ts";
 * import { summarizeCells } from "./select.ts";
 * import { summaryTables } from "./summary.ts";
 * const { rows } = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const text = summaryTables(summarizeCells(rows));
 * assertEquals(["lalc", "lars", "lamb"].every((m) => text.includes(m)), true);
 * ```
 */
export function summaryTables(cells: readonly CellSummary[]): string {
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const out: string[] = [];
  for (const depth of depths) {
    const here = cells.filter((c) => c.depth === depth);
    const batches = [...new Set(here.map((c) => c.batchSize))].sort((a, b) => a - b);
    const methods = [...new Set(here.map((c) => c.method))];
    const header = ["method", ...batches.map((b) => `batch ${b}`)];
    const rows = methods.map((m) => [
      m,
      ...batches.map((b) => {
        const c = here.find((x) => x.method === m && x.batchSize === b);
        if (!c) return "-";
        if (c.allErrors) return `error e${c.errors}/${c.runs}`;
        const errors = c.errors > 0 ? ` e${c.errors}` : "";
        return `${c.median.toFixed(3)} ±${(c.spread / 2).toFixed(3)} d${c.diverged}/${c.runs}` +
          errors;
      }),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ");
    out.push(
      `depth ${depth}: median test accuracy at the tuned rate ±half-range over seeds, ` +
        "diverged/runs (e: runs that ended as error)",
      line(header),
      line(widths.map((w) => "-".repeat(w))),
      ...rows.map(line),
      "",
    );
  }
  return out.join("\n");
}
