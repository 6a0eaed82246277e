/**
 * A grid's own comparisons: which pairs of methods (or variants) `claims.csv` compares, at
 * which batch sizes and depths. An ablation or a factorial asks other questions than the
 * paper's claims (`claims.ts` `CLAIMS`, LALC against its baselines); a grid that declares
 * `comparisons` gets exactly those rows, in the same format and the same Holm family.
 *
 * @module
 */

/** Which batch sizes a comparison covers: every one of the grid, its largest, its smallest,
 * or one batch size of the grid. */
export type BatchChoice = "all" | "largest" | "smallest" | number;

/**
 * One declared comparison: `a` minus `b` (whole-test-set accuracy, paired by held-out seed)
 * in every cell pair it covers. Its rows carry `name` in the `claim` column and `b` in the
 * `baseline` column; `supported` means `a` is better.
 */
export interface Comparison {
  /** The `claim` column: letters, digits, `_`, `.`, `-`. Say what `a` is in it. */
  readonly name: string;
  /** The method or variant whose accuracy comes first (LALC's place in the paper's claims). */
  readonly a: string;
  /** The method or variant it is compared with (the `baseline` column). */
  readonly b: string;
  /** The batch sizes it covers (default `all`). */
  readonly batch?: BatchChoice;
  /** The depths it covers: `all` (the default) or one depth of the grid. */
  readonly depth?: "all" | number;
  /** Also test each row for equivalence within +-the grid's `equivalenceMargin` (TOST, in
   * the same Holm family), which the grid must then declare; default false. */
  readonly equivalence?: boolean;
}

/** One row-to-be of `claims.csv`: the claim's name, the cell pair, `a` and `b`. */
export interface ComparedPair {
  /** The `claim` column. */
  readonly claim: string;
  /** Depth of both cells. */
  readonly depth: number;
  /** Batch size of both cells. */
  readonly batchSize: number;
  /** The first method (the paper's claims: `lalc`). */
  readonly a: string;
  /** The second method (the `baseline` column). */
  readonly b: string;
  /** Whether the row is also tested for equivalence (when the grid declares a margin). */
  readonly equivalence: boolean;
}

/** The batch sizes `choice` picks among the grid's `batches` (ascending). */
function pickBatches(choice: BatchChoice, batches: readonly number[]): number[] {
  if (choice === "all") return [...batches];
  if (choice === "largest") return batches.length ? [batches.at(-1)!] : [];
  if (choice === "smallest") return batches.length ? [batches[0]] : [];
  return batches.includes(choice) ? [choice] : [];
}

/**
 * The cell pairs of `comparisons` among the batch sizes and depths that ran (each list
 * ascending), in `claims.csv` order: comparison by comparison, then depth, then batch size.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { comparedPairs } from "./comparisons.ts";
 * const pairs = comparedPairs([{ name: "floor", a: "lalc", b: "lalc-nofloor", batch: "largest" }],
 *   [128, 2048], [4, 16]);
 * assertEquals(pairs.map((p) => `${p.claim} d${p.depth} b${p.batchSize}`), [
 *   "floor d4 b2048",
 *   "floor d16 b2048",
 * ]);
 * ```
 */
export function comparedPairs(
  comparisons: readonly Comparison[],
  batches: readonly number[],
  depths: readonly number[],
): ComparedPair[] {
  const out: ComparedPair[] = [];
  for (const c of comparisons) {
    const depthsOf = c.depth === undefined || c.depth === "all"
      ? depths
      : depths.filter((d) => d === c.depth);
    for (const depth of depthsOf) {
      for (const batchSize of pickBatches(c.batch ?? "all", batches)) {
        out.push({
          claim: c.name,
          depth,
          batchSize,
          a: c.a,
          b: c.b,
          equivalence: c.equivalence === true,
        });
      }
    }
  }
  return out;
}
