/**
 * The protocol check: does a results folder follow docs/protocol.md? Each check names what
 * it found, so a failing folder says what to fix.
 *
 * - `runs.csv` has the validation columns, every run has a validation split, and every `ok`
 *   run was tested on the whole test set (one size for every run, the size given by
 *   `expectedTestSamples` when known);
 * - every cell's held-out seeds ran at its validation argmax (the rate with the best mean
 *   validation accuracy of the tuning runs), and none of them is a tuning seed;
 * - where the grid tunes on the mean of its first k seeds, every tried rate ran on exactly
 *   those k seeds;
 * - fewer than 10% of the cells have their best rate at an edge of the rates tried;
 * - every cell has 5 or more held-out seeds;
 * - `summary.csv` and `claims.csv` exist with their columns (the tuning columns where seeds
 *   were averaged, the equivalence columns where the grid declares a margin for the paper's
 *   claims or for a comparison that asks for equivalence);
 * - `claims.csv` holds the claims of `runs.csv` with their p-values, Holm-adjusted over the
 *   file (the equivalence tests included), and verdicts that follow the Holm-adjusted
 *   p-values (a table written before the correction, or from other runs, fails).
 *
 * @module
 */
import { parseCsv } from "../output/csv.ts";
import {
  CLAIM_ALPHA,
  type ClaimOptions,
  type ClaimRow,
  testsEquivalence,
  verdictOf,
} from "./claims.ts";
import { tuningSeeds } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import { bestLrIndex, cellKey } from "./select.ts";
import { folderStatistics } from "./statistics.ts";
import {
  CLAIM_EQUIVALENCE_COLUMNS,
  claimColumns,
  SUMMARY_COLUMNS,
  SUMMARY_TUNING_COLUMNS,
  TABLE_FILES,
} from "./tables.ts";
import type { GridSpec } from "./types.ts";

/** The fewest held-out seeds a cell may have. */
export const MIN_HELD_OUT_SEEDS = 5;

/** The largest share of cells whose best rate may sit at an edge (strictly below). */
export const MAX_EDGE_FRACTION = 0.1;

/** One check's outcome. */
export interface ProtocolCheck {
  /** What was checked. */
  readonly name: string;
  /** Whether it holds. */
  readonly ok: boolean;
  /** What was found (counts, or the first offenders). */
  readonly detail: string;
}

/** What {@link checkProtocol} reads: the runs, and the two tables' texts ("" when absent). */
export interface ProtocolInput {
  /** The rows of `runs.csv`. */
  readonly rows: readonly RunRow[];
  /** The header line of `runs.csv`. */
  readonly runsHeader: readonly string[];
  /** The text of `summary.csv` ("" when absent). */
  readonly summaryText: string;
  /** The text of `claims.csv` ("" when absent). */
  readonly claimsText: string;
  /** The size of the data set's whole test set, when known (10,000 for Fashion-MNIST). */
  readonly expectedTestSamples?: number;
  /** The grid of `meta.json`, when known: its tuning seeds, comparisons and equivalence
   * margin decide which rows and columns the tables need. Absent: one tuning seed, the
   * paper's claims, no margin, as before all three. */
  readonly grid?: GridSpec;
}

const first = (xs: readonly string[], n = 3) =>
  xs.slice(0, n).join("; ") + (xs.length > n ? `; and ${xs.length - n} more` : "");

/**
 * The checks of the protocol on `input`; the folder follows the protocol when all are ok.
 *
 * @example
 * ```ts ignore
 * const checks = checkProtocol(await readProtocolInput("results/smoke"));
 * checks.every((c) => c.ok);
 * ```
 */
export function checkProtocol(input: ProtocolInput): ProtocolCheck[] {
  const { rows } = input;
  const out: ProtocolCheck[] = [];
  const need = ["val_accuracy", "val_samples", "test_samples", "final_test_accuracy"];
  const missing = need.filter((c) => !input.runsHeader.includes(c));
  out.push({
    name: "runs.csv has the validation columns",
    ok: missing.length === 0,
    detail: missing.length ? `missing: ${missing.join(", ")}` : need.join(", "),
  });
  const noVal = rows.filter((r) => !(r.valSamples > 0));
  const okRows = rows.filter((r) => r.status === "ok");
  const sizes = [...new Set(okRows.map((r) => r.testSamples))];
  const badSize = okRows.filter((r) =>
    !(r.testSamples > 0) ||
    (input.expectedTestSamples !== undefined && r.testSamples !== input.expectedTestSamples)
  );
  out.push({
    name: "every run has a validation split and the whole test set",
    ok: rows.length > 0 && noVal.length === 0 && badSize.length === 0 && sizes.length === 1,
    detail: `${rows.length} runs; validation sizes ${
      [...new Set(rows.map((r) => r.valSamples))].join("/")
    }; test sizes ${sizes.join("/")}` +
      (input.expectedTestSamples !== undefined
        ? ` (whole set: ${input.expectedTestSamples})`
        : "") +
      (noVal.length ? `; ${noVal.length} runs without validation` : ""),
  });
  const byCell = new Map<string, RunRow[]>();
  for (const r of rows) {
    const k = cellKey(r.method, r.batchSize, r.depth);
    byCell.set(k, [...(byCell.get(k) ?? []), r]);
  }
  const offArgmax: string[] = [];
  const tunedSeedsHeldOut: string[] = [];
  for (const [k, cellRows] of byCell) {
    const best = bestLrIndex(cellRows);
    const seeds = cellRows.filter((r) => r.phase === "seed");
    const off = seeds.filter((r) => r.lrIndex !== best);
    if (off.length) {
      offArgmax.push(
        `${k}: ${off.length} held-out runs at index ${off[0].lrIndex}, argmax ${best}`,
      );
    }
    const tuning = new Set(cellRows.filter((r) => r.phase === "tune").map((r) => r.seed));
    const reused = seeds.filter((r) => tuning.has(r.seed));
    if (reused.length) tunedSeedsHeldOut.push(`${k}: seed ${reused[0].seed}`);
  }
  out.push({
    name: "held-out seeds run at the validation argmax, none a tuning seed",
    ok: offArgmax.length === 0 && tunedSeedsHeldOut.length === 0,
    detail: offArgmax.length || tunedSeedsHeldOut.length
      ? first([...offArgmax, ...tunedSeedsHeldOut])
      : `${byCell.size} cells`,
  });
  if (input.grid?.lrGrid.tuneOn === "first-k-seeds") {
    out.push(tunedOnEverySeed(byCell, tuningSeeds(input.grid)));
  }
  const { cells, claims, claimOptions } = folderStatistics(rows, input.grid);
  const edge = cells.filter((c) => c.atEdge);
  out.push({
    name: `fewer than ${100 * MAX_EDGE_FRACTION}% of cells have their best rate at an edge`,
    ok: cells.length > 0 && edge.length < MAX_EDGE_FRACTION * cells.length,
    detail: `${edge.length} of ${cells.length} cells` +
      (edge.length ? ` (${first(edge.map((c) => cellKey(c.method, c.batchSize, c.depth)))})` : ""),
  });
  const few = cells.filter((c) => c.n < MIN_HELD_OUT_SEEDS);
  out.push({
    name: `every cell has ${MIN_HELD_OUT_SEEDS} or more held-out seeds`,
    ok: cells.length > 0 && few.length === 0,
    detail: few.length
      ? first(few.map((c) => `${cellKey(c.method, c.batchSize, c.depth)}: ${c.n}`))
      : `${cells.length} cells, fewest ${Math.min(...cells.map((c) => c.n))}`,
  });
  const summaryColumns = cells.some((c) => c.tuningSeeds > 1)
    ? [...SUMMARY_COLUMNS, ...SUMMARY_TUNING_COLUMNS]
    : SUMMARY_COLUMNS;
  for (
    const [file, text, columns] of [
      [TABLE_FILES.summary, input.summaryText, summaryColumns],
      [TABLE_FILES.claims, input.claimsText, claimColumns(claimOptions)],
    ] as const
  ) {
    const header = text.split("\n")[0].split(",");
    const lacking = columns.filter((c) => !header.includes(c));
    const records = text ? parseCsv(text).length : 0;
    out.push({
      name: `${file} has its columns`,
      ok: text !== "" && lacking.length === 0 && records > 0,
      detail: text === ""
        ? "absent (deno task report DIR writes it)"
        : lacking.length
        ? `missing: ${lacking.join(", ")}`
        : `${records} rows`,
    });
  }
  out.push(claimsFollowHolm(input.claimsText, claims, claimOptions));
  return out;
}

/** The check that every rate a cell tried ran on exactly the grid's tuning seeds, so each
 * rate's score is the mean over the same k seeds. */
function tunedOnEverySeed(
  byCell: ReadonlyMap<string, readonly RunRow[]>,
  seeds: readonly number[],
): ProtocolCheck {
  const want = [...seeds].sort((a, b) => a - b).join(",");
  const bad: string[] = [];
  let rates = 0;
  for (const [k, cellRows] of byCell) {
    const byRate = new Map<number, number[]>();
    for (const r of cellRows) {
      if (r.phase === "tune") byRate.set(r.lrIndex, [...(byRate.get(r.lrIndex) ?? []), r.seed]);
    }
    for (const [lrIndex, got] of byRate) {
      rates++;
      const have = [...got].sort((a, b) => a - b).join(",");
      if (have !== want) bad.push(`${k}: rate index ${lrIndex} tuned on seeds ${have}`);
    }
  }
  return {
    name: `every tried rate ran on the ${seeds.length} tuning seeds (${want})`,
    ok: rates > 0 && bad.length === 0,
    detail: bad.length ? first(bad) : `${rates} rates in ${byCell.size} cells`,
  };
}

/** Written p-values agree with recomputed ones to their 6 significant digits. */
const sameP = (written: number, p: number) =>
  (Number.isNaN(written) && Number.isNaN(p)) || Math.abs(written - p) <= 1e-5 * Math.abs(p);

/** The check that `claims.csv` is the Holm-corrected claims table of these runs
 * (`expected`, computed with `options`), with the equivalence tests where the grid asks for
 * them (a margin, and the paper's claims or a comparison with `equivalence`). */
function claimsFollowHolm(
  text: string,
  expected: readonly ClaimRow[],
  options: ClaimOptions,
): ProtocolCheck {
  const name =
    `claims.csv verdicts follow Holm-adjusted p-values (alpha ${CLAIM_ALPHA}) of runs.csv`;
  const header = text.split("\n")[0].split(",");
  const lacking = claimColumns(options).filter((c) => !header.includes(c));
  if (text === "" || lacking.length) {
    return { name, ok: false, detail: "claims.csv lacks its columns (deno task report DIR)" };
  }
  const tost = testsEquivalence(options);
  if (!tost && CLAIM_EQUIVALENCE_COLUMNS.some((c) => header.includes(c))) {
    return {
      name,
      ok: false,
      detail: "claims.csv has equivalence columns, but meta.json's grid asks for no " +
        "equivalence test (no equivalenceMargin, or none of its comparisons has equivalence: " +
        "a table of another grid)",
    };
  }
  const key = (claim: string, depth: string, batch: string, baseline: string) =>
    `${claim} depth ${depth} batch ${batch} vs ${baseline}`;
  const want = new Map(
    expected.map((r) => [key(r.claim, `${r.depth}`, `${r.batchSize}`, r.baseline), r]),
  );
  const bad: string[] = [];
  const written = parseCsv(text, "claims.csv");
  for (const w of written) {
    const k = key(w.claim, w.depth, w.batch_size, w.baseline);
    const e = want.get(k);
    const num = (c: string) => (c === "" ? NaN : Number(c));
    if (!e) bad.push(`${k}: not a claim of runs.csv`);
    else if (!sameP(num(w.p_value), e.pValue) || !sameP(num(w.p_holm), e.pHolm)) {
      bad.push(`${k}: p ${w.p_value}, Holm ${w.p_holm}; runs.csv gives ${e.pValue}, ${e.pHolm}`);
    } else if (
      tost && (!sameP(num(w.p_tost), e.pTost) || !sameP(num(w.p_tost_holm), e.pTostHolm) ||
        !sameP(num(w.margin), e.margin))
    ) {
      bad.push(
        `${k}: margin ${w.margin}, TOST p ${w.p_tost}, Holm ${w.p_tost_holm}; runs.csv ` +
          `gives ${e.margin}, ${e.pTost}, ${e.pTostHolm}`,
      );
    } else if (
      w.verdict !== verdictOf(num(w.p_holm), num(w.mean_diff), tost ? num(w.p_tost_holm) : NaN) ||
      w.verdict !== e.verdict
    ) {
      bad.push(`${k}: verdict ${w.verdict}, Holm p ${w.p_holm} gives ${e.verdict}`);
    }
  }
  if (written.length !== expected.length) {
    bad.push(`${written.length} rows, runs.csv has ${expected.length} claims`);
  }
  const decisive = expected.filter((r) => r.verdict !== "inconclusive").length;
  const tests = expected.filter((r) => !Number.isNaN(r.margin)).length;
  return {
    name,
    ok: bad.length === 0,
    detail: bad.length
      ? first(bad)
      : tost
      ? `family of ${expected.length} claims and ${tests} equivalence tests (margin ` +
        `${options.equivalenceMargin}), ${decisive} decisive at Holm p < ${CLAIM_ALPHA}`
      : `family of ${expected.length} claims, ${decisive} decisive at Holm p < ${CLAIM_ALPHA}`,
  };
}

/** The whole test set's size of the data sets the suite knows (for the test-size check). */
export const TEST_SET_SIZES: Readonly<Record<string, number>> = {
  "fashion-mnist": 10000,
  "fashion-mnist-subset": 1000,
  cifar10: 10000,
};

/**
 * Reads what {@link checkProtocol} needs from the results folder `dir`.
 *
 * @example
 * ```ts ignore
 * const input = await readProtocolInput("results/smoke");
 * ```
 */
export async function readProtocolInput(dir: string): Promise<ProtocolInput> {
  const { readResults } = await import("./store.ts");
  const folder = await readResults(dir);
  const runsText = await Deno.readTextFile(`${dir}/runs.csv`);
  const read = async (name: string) => {
    try {
      return await Deno.readTextFile(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  return {
    rows: folder.rows,
    runsHeader: runsText.split("\n")[0].split(","),
    summaryText: await read(TABLE_FILES.summary),
    claimsText: await read(TABLE_FILES.claims),
    expectedTestSamples: TEST_SET_SIZES[folder.rows[0]?.dataset ?? ""],
    grid: folder.meta?.grid,
  };
}
