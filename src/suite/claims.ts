/**
 * The paper's claims as paired comparisons with confidence intervals: for each (claim,
 * depth, batch size, baseline), LALC's whole-test-set accuracy minus the baseline's, paired
 * by held-out seed (a seed fixes the initialization and the data order of every method), its
 * mean and Student-t 95% interval, its two-sided paired-t p-value, the Holm-adjusted p-value
 * over the family of all claim rows of one results folder (one `claims.csv`), its
 * Bonferroni-adjusted simultaneous interval, and a verdict from the Holm-adjusted p-value.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";
import { holmAdjust, tInterval, tTestPValue } from "../stats/stats.ts";
import { comparedPairs } from "./comparisons.ts";
import type { ComparedPair, Comparison } from "./comparisons.ts";
import type { MethodName } from "./types.ts";

/** The paper's claims (from its abstracts), each with the baselines LALC is compared with. */
export const CLAIMS = [
  {
    claim: "large-batch",
    text: "at the largest batch size LALC beats LARS, LAMB and the linear scaling rule",
    batch: "largest",
    baselines: ["lars", "lamb", "linear-scaling"],
  },
  {
    claim: "small-batch-vs-warmup",
    text: "at the smallest batch size LALC without warmup does at least as well as SGD with warmup",
    batch: "smallest",
    baselines: ["warmup"],
  },
  {
    claim: "small-batch-vs-no-warmup",
    text: "at the smallest batch size LALC beats SGD without warmup",
    batch: "smallest",
    baselines: ["linear-scaling"],
  },
] as const satisfies readonly {
  claim: string;
  text: string;
  batch: "largest" | "smallest";
  baselines: readonly MethodName[];
}[];

/** The family-wise error rate of the verdicts: over all claim rows of one `claims.csv`. */
export const CLAIM_ALPHA = 0.05;

/** `supported`: the Holm-adjusted p-value is below {@link CLAIM_ALPHA} and LALC's mean is
 * higher; `contradicted`: below it and LALC's mean is lower; `inconclusive`: otherwise,
 * or fewer than 2 pairs. */
export type Verdict = "supported" | "contradicted" | "inconclusive";

/** One row of `claims.csv`. */
export interface ClaimRow {
  /** The claim's name ({@link CLAIMS}). */
  readonly claim: string;
  /** Depth. */
  readonly depth: number;
  /** Batch size. */
  readonly batchSize: number;
  /** The method LALC (or a declared comparison's `a`) is compared with. */
  readonly baseline: string;
  /** The method compared with the baseline: `lalc`, or a declared comparison's `a`. */
  readonly method: string;
  /** Held-out seeds both cells ran. */
  readonly nPairs: number;
  /** Mean of LALC (`method`) minus baseline over the pairs. */
  readonly meanDiff: number;
  /** Lower end of the (unadjusted) Student-t 95% interval of that mean. */
  readonly ciLow: number;
  /** Upper end of that interval. */
  readonly ciHigh: number;
  /** Two-sided paired-t p-value of "the mean difference is 0" (NaN with fewer than 2 pairs). */
  readonly pValue: number;
  /** {@link pValue} Holm-adjusted over all rows of the same {@link claimRows} call. */
  readonly pHolm: number;
  /** Lower end of the Bonferroni simultaneous interval: the Student-t interval at level
   * `1 - CLAIM_ALPHA / m` for `m` rows. It excludes 0 only where the Holm verdict is decisive
   * (Holm rejects whatever Bonferroni rejects), not always conversely. */
  readonly bonferroniLow: number;
  /** Upper end of that interval. */
  readonly bonferroniHigh: number;
  /** The verdict, from {@link pHolm} and the sign of {@link meanDiff}. */
  readonly verdict: Verdict;
}

/** The verdict of a Holm-adjusted p-value and the mean difference's sign (NaN p:
 * inconclusive). */
export function verdictOf(pHolm: number, meanDiff: number, alpha = CLAIM_ALPHA): Verdict {
  if (!(pHolm < alpha)) return "inconclusive";
  if (meanDiff > 0) return "supported";
  if (meanDiff < 0) return "contradicted";
  return "inconclusive";
}

/** The cell pairs of the paper's claims: per claim and depth, LALC and each baseline at the
 * largest or smallest batch size (the small-batch claims only with two or more). */
function paperPairs(batches: readonly number[], depths: readonly number[]): ComparedPair[] {
  const out: ComparedPair[] = [];
  for (const spec of CLAIMS) {
    if (spec.batch === "smallest" && batches.length < 2) continue;
    const batchSize = spec.batch === "largest" ? batches.at(-1)! : batches[0];
    for (const depth of depths) {
      for (const b of spec.baselines) {
        out.push({ claim: spec.claim, depth, batchSize, a: "lalc", b });
      }
    }
  }
  return out;
}

/**
 * The claim rows of `cells`: with `comparisons` (a grid's own, `comparisons.ts`) exactly
 * those; without, the paper's claims per depth, for the grid's largest and smallest batch
 * sizes (the small-batch claims only when the grid has two or more batch sizes). A pair
 * whose cells did not both run has no row.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { claimRows } from "@lalc/large-batch/suite";
 * const cell = (method: "lalc" | "warmup" | "linear-scaling", accuracies: number[]) => ({
 *   method, batchSize: 32, depth: 2, seeds: [2, 3, 4], accuracies,
 * });
 * const rows = claimRows([
 *   cell("lalc", [0.81, 0.82, 0.83]),
 *   cell("warmup", [0.80, 0.80, 0.82]),
 *   cell("linear-scaling", [0.70, 0.72, 0.71]),
 * ]);
 * // One batch size: only the large-batch claim, against the one baseline present.
 * assertEquals(rows.map((r) => `${r.claim} ${r.baseline} ${r.verdict}`), [
 *   "large-batch linear-scaling supported",
 * ]);
 * ```
 */
export function claimRows(
  cells: readonly Pick<CellSummary, "method" | "batchSize" | "depth" | "seeds" | "accuracies">[],
  comparisons?: readonly Comparison[],
): ClaimRow[] {
  const out: {
    row: Omit<ClaimRow, "pHolm" | "bonferroniLow" | "bonferroniHigh" | "verdict">;
    diffs: number[];
  }[] = [];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const batches = [...new Set(cells.map((c) => c.batchSize))].sort((a, b) => a - b);
  const pairs = comparisons === undefined
    ? paperPairs(batches, depths)
    : comparedPairs(comparisons, batches, depths);
  for (const { claim, depth, batchSize, a, b: baseline } of pairs) {
    const get = (m: string) =>
      cells.find((c) => c.method === m && c.batchSize === batchSize && c.depth === depth);
    const first = get(a);
    const other = get(baseline);
    if (!first || !other) continue;
    const theirs = new Map(other.seeds.map((s, i) => [s, other.accuracies[i]] as const));
    const diffs = first.seeds.flatMap((s, i) =>
      theirs.has(s) ? [first.accuracies[i] - theirs.get(s)!] : []
    );
    const ci = tInterval(diffs);
    out.push({
      row: {
        claim,
        depth,
        batchSize,
        baseline,
        method: a,
        nPairs: diffs.length,
        meanDiff: ci.mean,
        ciLow: ci.low,
        ciHigh: ci.high,
        pValue: tTestPValue(diffs),
      },
      diffs,
    });
  }
  // One family per call (one claims.csv): the error rate holds over every verdict in it.
  const adjusted = holmAdjust(out.map((o) => o.row.pValue));
  return out.map(({ row, diffs }, i) => {
    const sim = tInterval(diffs, 1 - CLAIM_ALPHA / out.length);
    return {
      ...row,
      pHolm: adjusted[i],
      bonferroniLow: sim.low,
      bonferroniHigh: sim.high,
      verdict: verdictOf(adjusted[i], row.meanDiff),
    };
  });
}
