/**
 * `summary.csv` and `claims.csv`: the statistics of a results folder, as files. Their
 * columns are fixed here (the protocol check verifies them).
 *
 * @module
 */
import { type ClaimOptions, type ClaimRow, testsEquivalence } from "./claims.ts";
import { toCsv } from "../output/csv.ts";
import { formatNumber } from "./schema.ts";
import type { CellSummary } from "./select.ts";
import { writeFileAtomic } from "../output/atomic.ts";

/** File names of the two tables in a results folder. */
export const TABLE_FILES = { summary: "summary.csv", claims: "claims.csv" } as const;

/** Columns of `summary.csv`: one row per cell; `mean`, `sd`, `ci_low`, `ci_high` over the
 * held-out seeds (Student-t 95% interval of the mean), `diverged` held-out runs, then the
 * search: the tuned rate, how many rates were tried, and `cap_hit`; last the stability
 * after the first update, `max_grad_norm_growth`: the largest `grad_norm_growth` of the
 * held-out runs (empty for a folder whose `runs.csv` does not record it). */
export const SUMMARY_COLUMNS = [
  "method",
  "batch_size",
  "depth",
  "n",
  "mean",
  "sd",
  "ci_low",
  "ci_high",
  "diverged",
  "base_lr",
  "lr_index",
  "val_accuracy",
  "rates_tried",
  "cap_hit",
  "diverged_all_runs",
  "max_grad_norm_growth",
] as const;

/** Columns `summary.csv` gains when a cell tuned its rate on more than one seed (the mean
 * of k seeds): `tuning_seeds` (k) and `first_seed_lr_index`, the rate index the first seed
 * alone would have chosen among the rates tried (differs from `lr_index` where averaging
 * changed the choice). A folder tuned on one seed has neither, as before. */
export const SUMMARY_TUNING_COLUMNS = ["tuning_seeds", "first_seed_lr_index"] as const;

/** Columns of `claims.csv`: one row per (claim, depth, batch size, baseline); `mean_diff`
 * is LALC minus the baseline, paired by held-out seed, with its unadjusted Student-t 95%
 * interval (`ci_low`, `ci_high`), its two-sided paired-t p-value (`p_value`), that p-value
 * Holm-adjusted over every row of the file (`p_holm`), the Bonferroni simultaneous interval
 * at level 1 - 0.05 / rows (`bonferroni_ci_low`, `bonferroni_ci_high`), and the verdict,
 * which follows `p_holm` (below 0.05: `supported` or `contradicted` by the sign of
 * `mean_diff`). */
export const CLAIM_COLUMNS = [
  "claim",
  "depth",
  "batch_size",
  "baseline",
  "n_pairs",
  "mean_diff",
  "ci_low",
  "ci_high",
  "p_value",
  "p_holm",
  "bonferroni_ci_low",
  "bonferroni_ci_high",
  "verdict",
] as const;

/** Columns `claims.csv` gains, before `verdict`, when the grid asks for an equivalence test
 * (it declares an equivalence margin, and compares the paper's claims or declares a
 * comparison with `equivalence`): `margin` (the fraction of accuracy), `p_tost` (the two
 * one-sided paired t-tests' p-value) and `p_tost_holm` (it Holm-adjusted in the file's
 * family), filled on the rows tested for equivalence and empty on the others. A grid
 * without a margin has none of them, as before. */
export const CLAIM_EQUIVALENCE_COLUMNS = ["margin", "p_tost", "p_tost_holm"] as const;

/** The columns of `claims.csv` for a grid with or without equivalence tests
 * (`testsEquivalence`). */
export function claimColumns(options: ClaimOptions = {}): readonly string[] {
  if (!testsEquivalence(options)) return CLAIM_COLUMNS;
  return [...CLAIM_COLUMNS.slice(0, -1), ...CLAIM_EQUIVALENCE_COLUMNS, "verdict"];
}

const round = (x: number) => formatNumber(Number.isFinite(x) ? Number(x.toFixed(6)) : x);
// p-values to 6 significant digits: fixed decimals would print a small p as 0.
const roundP = (x: number) => formatNumber(Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

/** `summary.csv`'s text for `cells`.
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { summaryCsv } from "./tables.ts";
 * assert(summaryCsv([]).startsWith("method,batch_size,depth,n,mean,sd,ci_low,ci_high,diverged"));
 * ```
 */
export function summaryCsv(cells: readonly CellSummary[]): string {
  const tuning = cells.some((c) => c.tuningSeeds > 1);
  return toCsv([
    [...SUMMARY_COLUMNS, ...(tuning ? SUMMARY_TUNING_COLUMNS : [])],
    ...cells.map((c) => [
      c.method,
      String(c.batchSize),
      String(c.depth),
      String(c.n),
      round(c.mean),
      round(c.sd),
      round(c.ciLow),
      round(c.ciHigh),
      String(c.divergedHeldOut),
      String(c.baseLr),
      String(c.lrIndex),
      round(c.valAccuracy),
      String(c.ratesTried),
      String(c.capHit),
      String(c.diverged),
      round(c.maxGradNormGrowth),
      ...(tuning ? [String(c.tuningSeeds), String(c.firstSeedLrIndex)] : []),
    ]),
  ]);
}

/** `claims.csv`'s text for `claims`, with the equivalence columns when `options` asks for
 * an equivalence test (`testsEquivalence`). */
export function claimsCsv(claims: readonly ClaimRow[], options: ClaimOptions = {}): string {
  const tost = testsEquivalence(options);
  return toCsv([
    [...claimColumns(options)],
    ...claims.map((c) => [
      c.claim,
      String(c.depth),
      String(c.batchSize),
      c.baseline,
      String(c.nPairs),
      round(c.meanDiff),
      round(c.ciLow),
      round(c.ciHigh),
      roundP(c.pValue),
      roundP(c.pHolm),
      round(c.bonferroniLow),
      round(c.bonferroniHigh),
      ...(tost ? [round(c.margin), roundP(c.pTost), roundP(c.pTostHolm)] : []),
      c.verdict,
    ]),
  ]);
}

/** Writes both tables into `dir` (atomically); returns their paths. */
export async function writeTables(
  dir: string,
  cells: readonly CellSummary[],
  claims: readonly ClaimRow[],
  options: ClaimOptions = {},
): Promise<string[]> {
  const paths = [`${dir}/${TABLE_FILES.summary}`, `${dir}/${TABLE_FILES.claims}`];
  await writeFileAtomic(paths[0], summaryCsv(cells));
  await writeFileAtomic(paths[1], claimsCsv(claims, options));
  return paths;
}
