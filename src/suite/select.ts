/**
 * From finished runs to results: the tuned rate of each (method, batch size, depth) cell
 * (the validation argmax) and its test accuracy over the held-out seeds, with a Student-t
 * 95% interval.
 *
 * @module
 */
import type { RunRow } from "./schema.ts";
import { tInterval } from "../stats/stats.ts";

/** What a run counts for in the statistics: its final accuracy on the whole test set when
 * it finished `ok`, 0 when it diverged or failed (worse than any real accuracy). */
export function runScore(row: RunRow): number {
  return row.status === "ok" && Number.isFinite(row.finalTestAccuracy) ? row.finalTestAccuracy : 0;
}

/** What a tuning run counts for in the choice of the rate: its validation accuracy when it
 * finished `ok`, -Infinity when it diverged, failed or has none (worst of all). The test
 * set is never read here. */
export function tuneScore(row: RunRow): number {
  return row.status === "ok" && Number.isFinite(row.valAccuracy) ? row.valAccuracy : -Infinity;
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
 * mean validation score ({@link tuneScore}) over the tuning seeds; ties go to the smaller
 * rate. A rate with a diverged or failed tuning run scores -Infinity, worst of all. Undefined
 * when the cell has no tuning run.
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
    byLr.set(r.lrIndex, [...(byLr.get(r.lrIndex) ?? []), tuneScore(r)]);
  }
  let best: number | undefined;
  let bestScore = -Infinity;
  for (const lrIndex of [...byLr.keys()].sort((a, b) => a - b)) {
    const xs = byLr.get(lrIndex)!;
    const s = xs.reduce((a, b) => a + b, 0) / xs.length;
    if (best === undefined || s > bestScore) [best, bestScore] = [lrIndex, s];
  }
  return best;
}

/** One cell of the results: the method at its tuned rate, over its held-out seeds. */
export interface CellSummary {
  /** The compared method (or variant). */
  readonly method: string;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of BN-ReLU blocks. */
  readonly depth: number;
  /** The tuned rate's index in the method's log grid (the validation argmax). */
  readonly lrIndex: number;
  /** The tuned base rate (per 256 samples). */
  readonly baseLr: number;
  /** The rate actually used (the base rate after the method's scaling rule). */
  readonly scaledLr: number;
  /** Mean validation accuracy of the tuning runs at the tuned rate. */
  readonly valAccuracy: number;
  /** How many seeds tuned the rate (the tuning runs at the tuned rate): 1 under
   * `first-seed`, k under `first-k-seeds`. */
  readonly tuningSeeds: number;
  /** The rate index the first tuning seed alone would have chosen: its own validation
   * argmax over the rates tried (ties: the smaller rate). Equal to {@link lrIndex} when one
   * seed tunes. Over the rates the search on the mean tried: where it sits at an edge of
   * them, the first seed's own search would have gone further. */
  readonly firstSeedLrIndex: number;
  /** Lowest rate index tried. */
  readonly triedLo: number;
  /** Highest rate index tried. */
  readonly triedHi: number;
  /** How many rates were tried. */
  readonly ratesTried: number;
  /** Whether the tuned rate is the lowest or highest tried (only with `capHit`, once the
   * search is complete). */
  readonly atEdge: boolean;
  /** Whether the held-out seeds were flagged `cap-hit` by the search. */
  readonly capHit: boolean;
  /** The held-out seeds (phase `seed`) that ran at the tuned rate and did not end as
   * `error`, ascending. */
  readonly seeds: number[];
  /** Their scores ({@link runScore}: whole-test-set accuracy, 0 when diverged), by seed. */
  readonly accuracies: number[];
  /** Number of held-out seeds. */
  readonly n: number;
  /** Mean of `accuracies`. */
  readonly mean: number;
  /** Sample standard deviation of `accuracies`. */
  readonly sd: number;
  /** Lower end of the Student-t 95% interval of the mean over the held-out seeds. */
  readonly ciLow: number;
  /** Upper end of that interval. */
  readonly ciHigh: number;
  /** Median of `accuracies`. */
  readonly median: number;
  /** max - min of `accuracies`. */
  readonly spread: number;
  /** Diverged held-out runs. */
  readonly divergedHeldOut: number;
  /** Diverged runs of the cell, over every tried rate and seed. */
  readonly diverged: number;
  /** Runs of the cell that ended as `error` (they failed, they did not score 0). */
  readonly errors: number;
  /** Whether every run at the tuned rate ended as `error`: the cell has no result. */
  readonly allErrors: boolean;
  /** Runs of the cell (every rate and seed). */
  readonly runs: number;
  /** Loss spikes summed over the held-out runs. */
  readonly lossSpikes: number;
  /** Largest gradient norm of the held-out runs (step 1 included: often the initialization's,
   * which every method of a seed shares). */
  readonly maxGradNorm: number;
  /** Largest `max_grad_norm_after_first` of the held-out runs that did not end as error; NaN
   * when one of them does not record it (a folder of an older version). */
  readonly maxGradNormAfterFirst: number;
  /** Largest `grad_norm_growth` of the same runs (NaN likewise). */
  readonly maxGradNormGrowth: number;
}

/** What {@link summarizeCells} needs beyond the rows. */
export interface SummarizeOptions {
  /** The grid's first seed (`grid.seeds[0]`), whose own choice of rate
   * {@link CellSummary.firstSeedLrIndex} reports; default: each cell's smallest tuning seed. */
  readonly firstTuningSeed?: number;
}

/**
 * Every cell of `rows` at its tuned rate, sorted by depth, batch size, then method. A cell
 * with no held-out seed yet has `n` 0 and NaN statistics.
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
 * assertEquals(cells.every((c) => c.n === 0 || (c.mean >= 0 && c.mean <= 1)), true);
 * ```
 */
export function summarizeCells(
  rows: readonly RunRow[],
  options: SummarizeOptions = {},
): CellSummary[] {
  const cells = new Map<string, RunRow[]>();
  for (const r of rows) {
    const k = cellKey(r.method, r.batchSize, r.depth);
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const out: CellSummary[] = [];
  for (const cellRows of cells.values()) {
    const best = bestLrIndex(cellRows);
    if (best === undefined) continue;
    const tune = cellRows.filter((r) => r.phase === "tune");
    const atBestTune = tune.filter((r) => r.lrIndex === best);
    const heldOut = cellRows
      .filter((r) => r.phase === "seed" && r.lrIndex === best)
      .sort((a, b) => a.seed - b.seed);
    // A run that ended as `error` failed to run: it has no accuracy, not an accuracy of 0.
    const scored = heldOut.filter((r) => r.status !== "error");
    const accuracies = scored.map(runScore);
    const indices = [...new Set(tune.map((r) => r.lrIndex))];
    const triedLo = Math.min(...indices);
    const triedHi = Math.max(...indices);
    const ci = tInterval(accuracies);
    const first = atBestTune[0];
    const firstSeed = options.firstTuningSeed ?? Math.min(...tune.map((r) => r.seed));
    const firstSeedTune = tune.filter((r) => r.seed === firstSeed);
    out.push({
      method: first.method,
      batchSize: first.batchSize,
      depth: first.depth,
      lrIndex: best,
      baseLr: first.baseLr,
      scaledLr: first.scaledLr,
      valAccuracy: atBestTune.reduce((s, r) => s + tuneScore(r), 0) / atBestTune.length,
      tuningSeeds: new Set(atBestTune.map((r) => r.seed)).size,
      // A cell whose first seed has no tuning run (a folder of another grid) keeps its own.
      firstSeedLrIndex: bestLrIndex(firstSeedTune) ?? best,
      triedLo,
      triedHi,
      ratesTried: indices.length,
      atEdge: best === triedLo || best === triedHi,
      capHit: heldOut.some((r) => r.search === "cap-hit"),
      seeds: scored.map((r) => r.seed),
      accuracies,
      n: ci.n,
      mean: ci.mean,
      sd: ci.sd,
      ciLow: ci.low,
      ciHigh: ci.high,
      median: median(accuracies),
      spread: accuracies.length ? Math.max(...accuracies) - Math.min(...accuracies) : NaN,
      divergedHeldOut: heldOut.filter((r) => r.status === "diverged").length,
      diverged: cellRows.filter((r) => r.status === "diverged").length,
      errors: cellRows.filter((r) => r.status === "error").length,
      allErrors: (heldOut.length > 0 ? heldOut : atBestTune).every((r) => r.status === "error"),
      runs: cellRows.length,
      lossSpikes: heldOut.reduce((s, r) => s + (r.lossSpikes || 0), 0),
      maxGradNorm: heldOut.length ? Math.max(...heldOut.map((r) => r.maxGradNorm)) : NaN,
      // Math.max is NaN when any value is: a run that does not record it leaves the cell
      // without a value rather than with the max of the others.
      maxGradNormAfterFirst: scored.length
        ? Math.max(...scored.map((r) => r.maxGradNormAfterFirst))
        : NaN,
      maxGradNormGrowth: scored.length ? Math.max(...scored.map((r) => r.gradNormGrowth)) : NaN,
    });
  }
  return out.sort((a, b) =>
    a.depth - b.depth || a.batchSize - b.batchSize || a.method.localeCompare(b.method)
  );
}
