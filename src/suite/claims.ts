/**
 * The paper's claims as paired comparisons with confidence intervals: for each (claim,
 * depth, batch size, baseline), LALC's whole-test-set accuracy minus the baseline's, paired
 * by held-out seed (a seed fixes the initialization and the data order of every method), its
 * mean and Student-t 95% interval, and a verdict.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";
import { tInterval } from "../stats/stats.ts";
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

/** `supported`: the interval lies above 0 (LALC better); `contradicted`: below 0;
 * `inconclusive`: it contains 0, or there are fewer than 2 pairs. */
export type Verdict = "supported" | "contradicted" | "inconclusive";

/** One row of `claims.csv`. */
export interface ClaimRow {
  /** The claim's name ({@link CLAIMS}). */
  readonly claim: string;
  /** Depth. */
  readonly depth: number;
  /** Batch size. */
  readonly batchSize: number;
  /** The method LALC is compared with. */
  readonly baseline: MethodName;
  /** Held-out seeds both cells ran. */
  readonly nPairs: number;
  /** Mean of LALC minus baseline over the pairs. */
  readonly meanDiff: number;
  /** Lower end of the Student-t 95% interval of that mean. */
  readonly ciLow: number;
  /** Upper end of that interval. */
  readonly ciHigh: number;
  /** The verdict. */
  readonly verdict: Verdict;
}

/** The verdict of an interval (NaN ends: inconclusive). */
export function verdictOf(low: number, high: number): Verdict {
  if (low > 0) return "supported";
  if (high < 0) return "contradicted";
  return "inconclusive";
}

/**
 * The claim rows of `cells`, per depth, for the grid's largest and smallest batch sizes (the
 * small-batch claims only when the grid has two or more batch sizes).
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
): ClaimRow[] {
  const out: ClaimRow[] = [];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const batches = [...new Set(cells.map((c) => c.batchSize))].sort((a, b) => a - b);
  for (const spec of CLAIMS) {
    if (spec.batch === "smallest" && batches.length < 2) continue;
    const batchSize = spec.batch === "largest" ? batches.at(-1)! : batches[0];
    for (const depth of depths) {
      const get = (m: MethodName) =>
        cells.find((c) => c.method === m && c.batchSize === batchSize && c.depth === depth);
      const lalc = get("lalc");
      if (!lalc) continue;
      for (const baseline of spec.baselines) {
        const other = get(baseline);
        if (!other) continue;
        const theirs = new Map(other.seeds.map((s, i) => [s, other.accuracies[i]] as const));
        const diffs = lalc.seeds.flatMap((s, i) =>
          theirs.has(s) ? [lalc.accuracies[i] - theirs.get(s)!] : []
        );
        const ci = tInterval(diffs);
        out.push({
          claim: spec.claim,
          depth,
          batchSize,
          baseline,
          nPairs: diffs.length,
          meanDiff: ci.mean,
          ciLow: ci.low,
          ciHigh: ci.high,
          verdict: verdictOf(ci.low, ci.high),
        });
      }
    }
  }
  return out;
}
