/**
 * Drift between a committed `runs.csv` row and the same run trained again: which columns are
 * compared, the tolerance, the rows of a drift CSV, and which rows of a folder to re-run.
 *
 * Cells are compared as the CSV text the grid writes. `formatNumber` prints a float with
 * `String(x)`, which round-trips, so equal text is equal bits: a tolerance of 0 is bit-exact.
 *
 * @module
 */
import { toCsv } from "../output/csv.ts";
import { RUN_COLUMNS } from "./schema.ts";

/**
 * Columns that describe where and how fast a run ran, not what it computed: never compared.
 * A column added to `runs.csv` is compared unless it is listed here (fail closed: a new
 * metric is checked from the day it exists).
 */
export const PROVENANCE_COLUMNS: ReadonlySet<string> = new Set([
  "backend",
  "wall_seconds",
  "samples_per_sec",
  "deno_version",
  "tfjs_version",
  "git_commit",
  "finished_at",
]);

/**
 * Columns that say which run a row is. They are compared too (a changed recipe moves
 * `scaled_lr`), but a drift CSV lists them only where they differ.
 */
export const CONFIG_COLUMNS: ReadonlySet<string> = new Set(
  // runs.csv opens with them, from run_id to seed.
  RUN_COLUMNS.slice(0, RUN_COLUMNS.indexOf("seed") + 1),
);

/** How far a reproduced number may be from the committed one. */
export interface Tolerance {
  /** Largest allowed |committed - reproduced| of a numeric cell; 0: the same text (bits). */
  readonly absolute: number;
  /** Per-column overrides of `absolute`. */
  readonly columns?: Readonly<Record<string, number>>;
}

/** Bit-exact: every compared cell must be the same text. */
export const BIT_EXACT: Tolerance = { absolute: 0 };

/** One compared cell of one run. */
export interface DriftRow {
  /** The committed row's `run_id`. */
  readonly runId: string;
  /** The `runs.csv` column. */
  readonly column: string;
  /** The committed cell. */
  readonly committed: string;
  /** The reproduced cell (`(not written)` when today's code has no such column). */
  readonly reproduced: string;
  /** |committed - reproduced| for numeric cells, NaN for text. */
  readonly absDiff: number;
  /** Whether the two agree within the tolerance. */
  readonly withinTolerance: boolean;
}

/** The text of a column the reproduced row does not have. */
export const NOT_WRITTEN = "(not written)";

/** The number a CSV cell holds (`inf`/`-inf` as `formatNumber` writes them), or NaN. */
function cellNumber(cell: string): number {
  if (cell === "inf") return Infinity;
  if (cell === "-inf") return -Infinity;
  if (cell.trim() === "") return NaN;
  return Number(cell);
}

/**
 * Compares a committed record with its reproduction, column by column in the committed
 * header's order. Provenance columns are skipped; configuration columns appear only when
 * they differ; every other column (the metrics) appears whether it agrees or not. Columns
 * only the reproduction has (a folder older than today's schema) are not compared.
 *
 * @example
 * ```ts
 * import { compareRun } from "@lalc/large-batch/suite";
 * const rows = compareRun(
 *   "a1",
 *   { run_id: "a1", final_test_accuracy: "0.814", wall_seconds: "0.9" },
 *   { run_id: "a1", final_test_accuracy: "0.81", wall_seconds: "0.7" },
 *   { absolute: 0 },
 * );
 * if (rows.length !== 1 || rows[0].withinTolerance) throw new Error("0.814 vs 0.81 is drift");
 * ```
 */
export function compareRun(
  runId: string,
  committed: Readonly<Record<string, string>>,
  reproduced: Readonly<Record<string, string>>,
  tolerance: Tolerance,
): DriftRow[] {
  const out: DriftRow[] = [];
  for (const [column, was] of Object.entries(committed)) {
    if (PROVENANCE_COLUMNS.has(column)) continue;
    const now = reproduced[column] ?? NOT_WRITTEN;
    const a = cellNumber(was);
    const b = cellNumber(now);
    const numeric = !Number.isNaN(a) && !Number.isNaN(b);
    const absDiff = !numeric ? NaN : a === b ? 0 : Math.abs(a - b);
    const allowed = tolerance.columns?.[column] ?? tolerance.absolute;
    // Same text is always within; a number within `allowed` only when it is finite.
    const within = was === now || (numeric && Number.isFinite(absDiff) && absDiff <= allowed);
    if (CONFIG_COLUMNS.has(column) && within) continue;
    out.push({ runId, column, committed: was, reproduced: now, absDiff, withinTolerance: within });
  }
  return out;
}

/** Columns of a drift CSV, in file order. */
export const DRIFT_COLUMNS = [
  "run_id",
  "column",
  "committed",
  "reproduced",
  "abs_diff",
  "within_tolerance",
] as const;

/**
 * The drift CSV of `rows` (header included; `abs_diff` empty for text cells).
 *
 * @example
 * ```ts
 * import { driftCsv } from "@lalc/large-batch/suite";
 * const csv = driftCsv([{ runId: "a1", column: "steps", committed: "375",
 *   reproduced: "375", absDiff: 0, withinTolerance: true }]);
 * if (csv !== "run_id,column,committed,reproduced,abs_diff,within_tolerance\na1,steps,375,375,0,true\n") {
 *   throw new Error(csv);
 * }
 * ```
 */
export function driftCsv(rows: readonly DriftRow[]): string {
  return toCsv([
    [...DRIFT_COLUMNS],
    ...rows.map((r) => [
      r.runId,
      r.column,
      r.committed,
      r.reproduced,
      Number.isNaN(r.absDiff) ? "" : String(r.absDiff),
      String(r.withinTolerance),
    ]),
  ]);
}

/**
 * One line for a mismatch: run id, column, committed value and the new one.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { describeDrift } from "@lalc/large-batch/suite";
 * const line = describeDrift({ runId: "a1", column: "steps", committed: "375", reproduced: "374",
 *   absDiff: 1, withinTolerance: false });
 * assertEquals(line, "run a1: steps committed 375, reproduced 374 (|diff| 1)");
 * ```
 */
export function describeDrift(r: DriftRow): string {
  // Three digits say how far; the CSV keeps the full difference.
  const diff = Number.isNaN(r.absDiff) ? "" : ` (|diff| ${Number(r.absDiff.toPrecision(3))})`;
  return `run ${r.runId}: ${r.column} committed ${r.committed || "(empty)"}, reproduced ${
    r.reproduced || "(empty)"
  }${diff}`;
}

/**
 * `count` indices of `length` items, evenly spaced from the first to the last (all of them
 * when `count >= length`): a sample of a results folder that covers every part of its run
 * order (depths, batch sizes, methods, tuning and seed runs).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { spreadIndices } from "./drift.ts";
 * assertEquals(spreadIndices(10, 3), [0, 5, 9]);
 * assertEquals(spreadIndices(3, 5), [0, 1, 2]); // all of them
 * ```
 */
export function spreadIndices(length: number, count: number): number[] {
  if (count >= length) return Array.from({ length }, (_, i) => i);
  if (count === 1) return [0];
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(Math.round(i * (length - 1) / (count - 1)));
  return [...picked];
}
