/**
 * The terminal summary of a grid: per depth, a method x batch-size table of the held-out
 * seeds' mean test accuracy with its Student-t 95% interval, and the claims with their
 * paired intervals and verdicts. The same numbers as `summary.csv` and `claims.csv`.
 *
 * @module
 */
import { CLAIM_ALPHA, type ClaimRow } from "./claims.ts";
import type { CellSummary } from "./select.ts";

const pct = (x: number) => Number.isFinite(x) ? (100 * x).toFixed(1) : "-";
const signed = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}` : "-";

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/**
 * The summary tables of `cells` (from `summarizeCells`), one per depth. Each entry reads
 * `84.2 [83.1, 85.3] n5 d0 cap`: mean test accuracy (%) over the held-out seeds, its 95%
 * Student-t interval, the number of held-out seeds, how many of them diverged, and `cap`
 * when the rate search hit its cap with the best rate at an edge; ` e2` counts runs of the
 * cell that ended as error (left out of the statistics), and a cell whose held-out runs all
 * failed reads `error e5/10`.
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
    const rows = methods.map((m) => [
      m,
      ...batches.map((b) => {
        const c = here.find((x) => x.method === m && x.batchSize === b);
        if (!c) return "-";
        // A failure is not an accuracy of 0: a cell whose runs all failed has no result.
        if (c.allErrors) return `error e${c.errors}/${c.runs}`;
        return `${pct(c.mean)} [${pct(c.ciLow)}, ${pct(c.ciHigh)}] n${c.n} d${c.divergedHeldOut}` +
          (c.capHit ? " cap" : "") + (c.errors > 0 ? ` e${c.errors}` : "");
      }),
    ]);
    out.push(
      `depth ${depth}: test accuracy (%) over the held-out seeds at the validation-tuned rate, ` +
        "mean [95% Student-t interval], seeds, diverged (e: runs that ended as error)",
      ...table(["method", ...batches.map((b) => `batch ${b}`)], rows),
      "",
    );
  }
  return out.join("\n");
}

/** Cells named in the tuning line before it says "and N more". */
const NAMED_CHANGES = 10;

/**
 * The tuning line: where rates were tuned on the mean validation accuracy of several seeds,
 * in how many cells that choice differs from the one the first seed alone would have made
 * (over the rates tried), naming them as `method bBATCH dDEPTH (first -> mean)` rate
 * indices. Empty when every cell tuned on one seed, so such a folder's report reads as it
 * always did.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { tuningChoiceLine } from "./summary.ts";
 * const cell = { method: "lalc", batchSize: 32, depth: 2, tuningSeeds: 3 } as const;
 * const line = tuningChoiceLine([
 *   { ...cell, lrIndex: 2, firstSeedLrIndex: 2 },
 *   { ...cell, depth: 8, lrIndex: 3, firstSeedLrIndex: 2 },
 * ]);
 * assertEquals(line.includes("the choice changed in 1 of 2 cells"), true);
 * assertEquals(line.endsWith("lalc b32 d8 (2 -> 3)"), true);
 * assertEquals(tuningChoiceLine([{ ...cell, tuningSeeds: 1, lrIndex: 2, firstSeedLrIndex: 2 }]), "");
 * ```
 */
export function tuningChoiceLine(
  cells: readonly Pick<
    CellSummary,
    "method" | "batchSize" | "depth" | "tuningSeeds" | "lrIndex" | "firstSeedLrIndex"
  >[],
): string {
  const tuned = cells.filter((c) => c.tuningSeeds > 1);
  if (tuned.length === 0) return "";
  const changed = tuned.filter((c) => c.firstSeedLrIndex !== c.lrIndex);
  const ks = [...new Set(tuned.map((c) => c.tuningSeeds))].sort((a, b) => a - b).join("/");
  const named = changed.slice(0, NAMED_CHANGES).map((c) =>
    `${c.method} b${c.batchSize} d${c.depth} (${c.firstSeedLrIndex} -> ${c.lrIndex})`
  );
  if (changed.length > NAMED_CHANGES) named.push(`and ${changed.length - NAMED_CHANGES} more`);
  return `tuning: each rate scored by the mean validation accuracy of ${ks} seeds; ` +
    `the choice changed in ${changed.length} of ${tuned.length} cells against the first ` +
    "seed alone over the same rates (summary.csv: first_seed_lr_index; rate indices first " +
    "seed -> mean)" + (named.length ? `: ${named.join(", ")}` : "");
}

/** A p-value to 2 significant digits (NaN: "-"). */
const pText = (
  p: number,
) => (Number.isNaN(p) ? "-" : p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2))));

/**
 * The claims table: LALC (or a declared comparison's `a`, then in a column `A`) minus the
 * baseline (percentage points), paired by held-out seed, with its unadjusted 95% Student-t
 * interval, its paired-t p-value, that p-value Holm-adjusted over all rows, and the verdict
 * (from the Holm-adjusted p-value). When rows were tested for equivalence, a column of the
 * Holm-adjusted TOST p-value and the margin in the heading.
 *
 * @example
 * ```ts ignore
 * console.log(claimsTable(claimRows(summarizeCells(rows))));
 * ```
 */
export function claimsTable(claims: readonly ClaimRow[]): string {
  if (claims.length === 0) return "no claims: the results lack LALC or its baselines";
  const margins = [...new Set(claims.map((c) => c.margin).filter((m) => !Number.isNaN(m)))];
  const tests = claims.length + claims.filter((c) => !Number.isNaN(c.margin)).length;
  const tost = margins.length > 0;
  // A grid's own comparisons may put another method than LALC first: then a column says which.
  const declared = claims.some((c) => c.method !== "lalc");
  const first = declared ? "A" : "LALC";
  return [
    `claims: ${first} minus baseline, test accuracy points, paired by held-out seed, ` +
    "mean [unadjusted 95% Student-t interval]; verdict: Holm-adjusted p < " +
    (tost
      ? `${CLAIM_ALPHA} over these ${tests} tests (${claims.length} claims, ` +
        `${tests - claims.length} TOST); equivalent: TOST Holm p < ${CLAIM_ALPHA} within ` +
        `+-${margins.map((m) => Number((100 * m).toPrecision(6))).join("/")} points`
      : `${CLAIM_ALPHA} over these ${claims.length} claims`),
    ...table(
      [
        "claim",
        "depth",
        "batch",
        ...(declared ? ["A"] : []),
        "baseline",
        "pairs",
        `${first} - baseline`,
        "p",
        "Holm p",
        ...(tost ? ["TOST Holm p"] : []),
        "verdict",
      ],
      claims.map((c) => [
        c.claim,
        String(c.depth),
        String(c.batchSize),
        ...(declared ? [c.method] : []),
        c.baseline,
        String(c.nPairs),
        `${signed(c.meanDiff)} [${signed(c.ciLow)}, ${signed(c.ciHigh)}]`,
        pText(c.pValue),
        pText(c.pHolm),
        ...(tost ? [pText(c.pTostHolm)] : []),
        c.verdict,
      ]),
    ),
    "",
  ].join("\n");
}
