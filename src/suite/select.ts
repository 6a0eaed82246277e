/**
 * From finished runs to results: the tuned rate of each (method, batch size, depth) cell and
 * its accuracy over seeds.
 *
 * @module
 */
import type { RunRow } from "./schema.ts";
import type { MethodName } from "./types.ts";

/** What a run counts for in rate selection and medians: its final test accuracy when it
 * finished `ok`, 0 when it diverged or failed (worse than any real accuracy). */
export function runScore(row: RunRow): number {
  return row.status === "ok" && Number.isFinite(row.finalTestAccuracy) ? row.finalTestAccuracy : 0;
}

/** Median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The key of a cell. */
export function cellKey(method: string, batchSize: number, depth: number): string {
  return `${method}|${batchSize}|${depth}`;
}

/**
 * The tuned rate of one cell: the `lrIndex` whose tuning runs (phase `tune`) have the best
 * median score; ties go to the smaller rate. Undefined when the cell has no tuning run.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "./store.ts";
 * import { bestLrIndex } from "./select.ts";
 * const { rows } = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const cell = rows.filter((r) => r.method === "lalc" && r.batchSize === rows[0].batchSize && r.depth === rows[0].depth);
 * const best = bestLrIndex(cell);
 * assertEquals(cell.some((r) => r.lrIndex === best), true);
 * ```
 */
export function bestLrIndex(cellRows: readonly RunRow[]): number | undefined {
  const byLr = new Map<number, number[]>();
  for (const r of cellRows) {
    if (r.phase !== "tune") continue;
    byLr.set(r.lrIndex, [...(byLr.get(r.lrIndex) ?? []), runScore(r)]);
  }
  let best: number | undefined;
  let bestScore = -Infinity;
  for (const lrIndex of [...byLr.keys()].sort((a, b) => a - b)) {
    const s = median(byLr.get(lrIndex)!);
    if (s > bestScore) [best, bestScore] = [lrIndex, s];
  }
  return best;
}

/** One cell of the results: the method at its tuned rate. */
export interface CellSummary {
  /** The compared method. */
  readonly method: MethodName;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of BN-ReLU blocks. */
  readonly depth: number;
  /** The tuned base rate (per 256 samples). */
  readonly baseLr: number;
  /** The rate actually used (the base rate after the method's scaling rule). */
  readonly scaledLr: number;
  /** Scores (final test accuracy; 0 for a diverged run) of each seed at the tuned rate. */
  readonly accuracies: number[];
  /** Median of `accuracies`. */
  readonly median: number;
  /** max - min of `accuracies` (0 with one seed). */
  readonly spread: number;
  /** Diverged runs of the cell, over every tried rate and seed. */
  readonly diverged: number;
  /** Runs of the cell that ended as `error` (they failed, they did not score 0). */
  readonly errors: number;
  /** Whether every run at the tuned rate ended as `error`: the cell has no result. */
  readonly allErrors: boolean;
  /** Runs of the cell (every rate and seed). */
  readonly runs: number;
  /** Loss spikes summed over the runs at the tuned rate. */
  readonly lossSpikes: number;
  /** Largest gradient norm of the runs at the tuned rate. */
  readonly maxGradNorm: number;
}

/**
 * Every cell of `rows` at its tuned rate, sorted by depth, batch size, then method.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readResults } from "./store.ts";
 * import { summarizeCells } from "./select.ts";
 * const { rows } = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const cells = summarizeCells(rows);
 * const keys = new Set(rows.map((r) => `${r.method} ${r.batchSize} ${r.depth}`));
 * assertEquals(cells.length, keys.size); // one summary per method x batch size x depth
 * assertEquals(cells.every((c) => c.median >= 0 && c.median <= 1), true);
 * ```
 */
export function summarizeCells(rows: readonly RunRow[]): CellSummary[] {
  const cells = new Map<string, RunRow[]>();
  for (const r of rows) {
    const k = cellKey(r.method, r.batchSize, r.depth);
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const out: CellSummary[] = [];
  for (const cellRows of cells.values()) {
    const best = bestLrIndex(cellRows);
    if (best === undefined) continue;
    const atBest = cellRows.filter((r) => r.lrIndex === best);
    const accuracies = atBest.map(runScore);
    const first = atBest[0];
    out.push({
      method: first.method,
      batchSize: first.batchSize,
      depth: first.depth,
      baseLr: first.baseLr,
      scaledLr: first.scaledLr,
      accuracies,
      median: median(accuracies),
      spread: Math.max(...accuracies) - Math.min(...accuracies),
      diverged: cellRows.filter((r) => r.status === "diverged").length,
      errors: cellRows.filter((r) => r.status === "error").length,
      allErrors: atBest.every((r) => r.status === "error"),
      runs: cellRows.length,
      lossSpikes: atBest.reduce((s, r) => s + (r.lossSpikes || 0), 0),
      maxGradNorm: Math.max(...atBest.map((r) => r.maxGradNorm)),
    });
  }
  return out.sort((a, b) =>
    a.depth - b.depth || a.batchSize - b.batchSize || a.method.localeCompare(b.method)
  );
}
