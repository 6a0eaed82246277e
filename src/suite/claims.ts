/**
 * The paper's claims as paired comparisons with confidence intervals: for each (claim,
 * depth, batch size, baseline), LALC's whole-test-set accuracy minus the baseline's, paired
 * by held-out seed (a seed fixes the initialization and the data order of every method), its
 * mean and Student-t 95% interval, its two-sided paired-t p-value, the Holm-adjusted p-value
 * over the family of all claim rows of one results folder (one `claims.csv`), its
 * Bonferroni-adjusted simultaneous interval, and a verdict from the Holm-adjusted p-value.
 * When the grid declares an equivalence margin, the claim `small-batch-vs-warmup` ("at least
 * as well as") is also tested for equivalence within +-margin by two one-sided paired
 * t-tests (TOST), whose p-values join the same Holm family. A grid's own comparisons
 * (`comparisons.ts`) replace the paper's claims; those that ask for `equivalence` get the
 * same TOST against the grid's margin.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";
import { holmAdjust, tInterval, tostPValue, tTestPValue } from "../stats/stats.ts";
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

/** The claim whose "at least as well as" is tested for equivalence when the grid declares
 * an equivalence margin: LALC without warmup against SGD with warmup. */
export const EQUIVALENCE_CLAIM = "small-batch-vs-warmup";

/** `supported`: the Holm-adjusted p-value is below {@link CLAIM_ALPHA} and LALC's mean is
 * higher; `contradicted`: below it and LALC's mean is lower; `equivalent`: neither, and the
 * Holm-adjusted TOST p-value is below {@link CLAIM_ALPHA} (the difference lies within the
 * declared margin); `inconclusive`: otherwise, or fewer than 2 pairs. */
export type Verdict = "supported" | "contradicted" | "equivalent" | "inconclusive";

/** What {@link claimRows} needs beyond the cells: the grid's comparisons and margin. */
export interface ClaimOptions {
  /** The grid's `equivalenceMargin` (a fraction of accuracy): when given, the rows of
   * {@link EQUIVALENCE_CLAIM} (or, with `comparisons`, of each comparison that asks for
   * `equivalence`) are also tested for equivalence within +-margin. */
  readonly equivalenceMargin?: number;
  /** The grid's own comparisons (`comparisons.ts`): when given, the rows are exactly theirs
   * instead of the paper's claims ({@link CLAIMS}). */
  readonly comparisons?: readonly Comparison[];
}

/**
 * Whether claims computed with `options` test equivalence, so `claims.csv` has the TOST
 * columns: a margin is declared and either the paper's claims are compared (their
 * {@link EQUIVALENCE_CLAIM} is tested) or one of the grid's comparisons asks for it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { testsEquivalence } from "@lalc/large-batch/suite";
 * assertEquals(testsEquivalence({}), false);
 * assertEquals(testsEquivalence({ equivalenceMargin: 0.005 }), true); // the paper's claim
 * const floor = { name: "floor", a: "lalc", b: "lalc-nofloor" };
 * assertEquals(testsEquivalence({ equivalenceMargin: 0.005, comparisons: [floor] }), false);
 * assertEquals(
 *   testsEquivalence({ equivalenceMargin: 0.005, comparisons: [{ ...floor, equivalence: true }] }),
 *   true,
 * );
 * ```
 */
export function testsEquivalence(options: ClaimOptions): boolean {
  if (options.equivalenceMargin === undefined) return false;
  return options.comparisons === undefined ||
    options.comparisons.some((c) => c.equivalence === true);
}

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
  /** The equivalence margin this row was tested against (NaN: no equivalence test). */
  readonly margin: number;
  /** The TOST p-value of "the mean difference lies within +-margin": the larger of the
   * one-sided paired-t p-values against -margin and +margin (NaN: no test, or fewer than 2
   * pairs). */
  readonly pTost: number;
  /** {@link pTost} Holm-adjusted in the same family as {@link pHolm} (NaN: no test). */
  readonly pTostHolm: number;
  /** The verdict, from {@link pHolm}, the sign of {@link meanDiff} and {@link pTostHolm}. */
  readonly verdict: Verdict;
}

/** The verdict of a Holm-adjusted p-value, the mean difference's sign and the
 * Holm-adjusted TOST p-value (NaN p: no test). A difference found wins over equivalence:
 * a tiny but sure difference inside the margin is `supported` or `contradicted`. */
export function verdictOf(
  pHolm: number,
  meanDiff: number,
  pTostHolm = NaN,
  alpha = CLAIM_ALPHA,
): Verdict {
  if (pHolm < alpha && meanDiff > 0) return "supported";
  if (pHolm < alpha && meanDiff < 0) return "contradicted";
  if (pTostHolm < alpha) return "equivalent";
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
        const equivalence = spec.claim === EQUIVALENCE_CLAIM;
        out.push({ claim: spec.claim, depth, batchSize, a: "lalc", b, equivalence });
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
 * The family of the Holm adjustment is every test of one call (one `claims.csv`): each row's
 * difference test and, with `options.equivalenceMargin`, the TOST of each
 * {@link EQUIVALENCE_CLAIM} row (with `options.comparisons`, of each row of a comparison
 * that asks for `equivalence`). The Bonferroni intervals are sized to that family too, so an
 * interval that excludes 0 still implies a decisive verdict. Without a margin the family and
 * every number are those of the rows alone.
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
  options: ClaimOptions = {},
): ClaimRow[] {
  const margin = options.equivalenceMargin;
  const out: {
    row: Omit<ClaimRow, "pHolm" | "bonferroniLow" | "bonferroniHigh" | "pTostHolm" | "verdict">;
    diffs: number[];
  }[] = [];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const batches = [...new Set(cells.map((c) => c.batchSize))].sort((a, b) => a - b);
  const pairs = options.comparisons === undefined
    ? paperPairs(batches, depths)
    : comparedPairs(options.comparisons, batches, depths);
  for (const { claim, depth, batchSize, a, b: baseline, equivalence } of pairs) {
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
    const tested = margin !== undefined && equivalence;
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
        margin: tested ? margin : NaN,
        pTost: tested ? tostPValue(diffs, margin) : NaN,
      },
      diffs,
    });
  }
  // One family per call (one claims.csv): the error rate holds over every verdict in it,
  // the equivalence tests included. A TOST without a p-value (fewer than 2 pairs) still
  // counts in the family's size, as a difference test without one does.
  const tostAt = out.flatMap((o, i) => (Number.isNaN(o.row.margin) ? [] : [i]));
  const family = holmAdjust([
    ...out.map((o) => o.row.pValue),
    ...tostAt.map((i) => out[i].row.pTost),
  ]);
  const tostHolm = new Map(tostAt.map((i, j) => [i, family[out.length + j]]));
  return out.map(({ row, diffs }, i) => {
    const sim = tInterval(diffs, 1 - CLAIM_ALPHA / family.length);
    const pTostHolm = tostHolm.get(i) ?? NaN;
    return {
      ...row,
      pHolm: family[i],
      bonferroniLow: sim.low,
      bonferroniHigh: sim.high,
      pTostHolm,
      verdict: verdictOf(family[i], row.meanDiff, pTostHolm),
    };
  });
}
