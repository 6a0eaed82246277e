/**
 * Reading a results folder's CSV files without trusting them: every line is checked
 * against its file's columns (the header exactly, the field count, each cell's type), and
 * the first bad line stops the read with `file:line` and what is wrong with it.
 *
 * @module
 */
import { parseCsvLines } from "../output/csv.ts";
import { VARIANT_NAME } from "../methods/variants.ts";
import { METHODS } from "./types.ts";

/** A results file that is not what the grid writes; the message names `file:line`. */
export class ResultsError extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
  /** @param message `file:line: what is wrong` and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "ResultsError";
  }
}

/**
 * What a cell may hold. `num?` also accepts an empty cell (NaN) and `inf`/`-inf`; `int?`,
 * `count?` and `fraction?` an empty cell; `nonneg?` an empty cell and `inf`. The ranged kinds
 * say what a metric can be at all, so a value no run can produce (an accuracy of 7.5, a
 * negative count) stops the read instead of being averaged into a table or a gate:
 * `count` an integer >= 0, `positive` an integer >= 1, `nonneg` a finite number >= 0,
 * `fraction` a number in [0, 1] (accuracies).
 */
export type CellKind =
  | "id"
  | "text"
  | "int"
  | "int?"
  | "count"
  | "count?"
  | "positive"
  | "num"
  | "num?"
  | "nonneg"
  | "nonneg?"
  | "fraction?"
  | "method"
  | "phase"
  | "status"
  | "date";

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const isNum = (c: string) => NUMBER.test(c);
const isInt = (c: string) => /^-?\d+$/.test(c);
const nanOrInf = (c: string) => c === "" || c === "inf" || c === "-inf";
const isCount = (c: string) => /^\d+$/.test(c) && Number.isSafeInteger(Number(c));
const isNonneg = (c: string) => isNum(c) && Number(c) >= 0 && Number.isFinite(Number(c));
const isFraction = (c: string) => isNum(c) && Number(c) >= 0 && Number(c) <= 1;

const CHECKS: Record<CellKind, [(c: string) => boolean, string]> = {
  id: [(c) => /^[0-9a-f]{16}$/.test(c), "a run id (16 hex digits)"],
  text: [() => true, "text"],
  int: [isInt, "an integer"],
  "int?": [(c) => c === "" || isInt(c), "an integer or empty"],
  count: [isCount, "an integer >= 0"],
  "count?": [(c) => c === "" || isCount(c), "an integer >= 0 or empty"],
  positive: [(c) => isCount(c) && Number(c) >= 1, "an integer >= 1"],
  num: [isNum, "a number"],
  "num?": [(c) => nanOrInf(c) || isNum(c), "a number, inf, -inf or empty"],
  nonneg: [isNonneg, "a finite number >= 0"],
  "nonneg?": [(c) => c === "" || c === "inf" || isNonneg(c), "a number >= 0, inf or empty"],
  "fraction?": [(c) => c === "" || isFraction(c), "a number in [0, 1] or empty"],
  method: [
    (c) => VARIANT_NAME.test(c),
    `a method (${METHODS.join(", ")}) or a variant's name ([a-z0-9][a-z0-9.-]*)`,
  ],
  phase: [(c) => c === "tune" || c === "seed", "tune or seed"],
  status: [(c) => c === "ok" || c === "diverged" || c === "error", "ok, diverged or error"],
  date: [(c) => !Number.isNaN(Date.parse(c)) && /^\d{4}-\d\d-\d\dT/.test(c), "an ISO time"],
};

/** One checked record: its cells by column name and its line in the file (1 = header). */
export interface TableRecord {
  /** Cells by column name. */
  readonly cells: Record<string, string>;
  /** The record's first line in the file. */
  readonly line: number;
}

/** `text` without a trailing line that lacks its newline (a write cut short). */
export function dropPartialLine(text: string): string {
  if (text === "" || text.endsWith("\n")) return text;
  return text.slice(0, text.lastIndexOf("\n") + 1);
}

/**
 * Which of the accepted `headers` CSV `text` starts with (a file written by this version or
 * by an older one): the first when the text is empty or starts with none of them, so that
 * {@link readTable} then refuses it naming the current header.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { headerOf } from "./table.ts";
 * const headers = [["a", "b", "c"], ["a", "c"]];
 * assertEquals(headerOf("a,c\n1,2\n", headers), ["a", "c"]);
 * assertEquals(headerOf("", headers), ["a", "b", "c"]);
 * assertEquals(headerOf("x\n", headers), ["a", "b", "c"]);
 * ```
 */
export function headerOf(
  text: string,
  headers: readonly (readonly string[])[],
): readonly string[] {
  const end = text.indexOf("\n");
  const line = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, "");
  return headers.find((h) => h.join(",") === line) ?? headers[0];
}

/**
 * Parses and checks CSV `text` (the contents of `path`, a trailing partial line already
 * dropped) against `columns` and their `kinds`. An empty text is an empty table.
 *
 * @throws {ResultsError} at the first bad line.
 * @example
 * ```ts
 * import { ResultsError, readTable } from "./table.ts";
 * const rows = readTable("t.csv", "a,b\n1,x\n", ["a", "b"], { a: "int", b: "text" });
 * if (rows[0].cells.a !== "1" || rows[0].line !== 2) throw new Error("misread");
 * const bad = (() => {
 *   try {
 *     readTable("t.csv", "a,b\nzero,x\n", ["a", "b"], { a: "int", b: "text" });
 *   } catch (e) {
 *     return e;
 *   }
 * })();
 * if (!(bad instanceof ResultsError) || !bad.message.startsWith("t.csv:2: a")) {
 *   throw new Error("a non-integer passed");
 * }
 * ```
 */
export function readTable(
  path: string,
  text: string,
  columns: readonly string[],
  kinds: Readonly<Record<string, CellKind>>,
): TableRecord[] {
  if (text.trim() === "") return [];
  let parsed: { record: string[]; line: number }[];
  try {
    parsed = parseCsvLines(text);
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new ResultsError(
      `${path}:${line ?? "?"}: not valid CSV (${(e as Error).message.split("\n")[0]})`,
    );
  }
  const [head, ...body] = parsed;
  if (head.record.join(",") !== columns.join(",")) {
    throw new ResultsError(
      `${path}:1: the header is "${head.record.join(",")}"; expected "${columns.join(",")}" ` +
        "(a file of another version, or edited: move it away and start fresh)",
    );
  }
  // The line a record ends on; the grid writes every record on one line.
  return body.map(({ record, line }) => {
    if (record.length !== columns.length) {
      throw new ResultsError(
        `${path}:${line}: ${record.length} fields; expected ${columns.length} (${
          columns.slice(0, 3).join(",")
        },...)`,
      );
    }
    const cells: Record<string, string> = {};
    columns.forEach((c, i) => {
      const [ok, allowed] = CHECKS[kinds[c] ?? "text"];
      if (!ok(record[i])) {
        throw new ResultsError(
          `${path}:${line}: ${c} is ${JSON.stringify(record[i])}; expected ${allowed}`,
        );
      }
      cells[c] = record[i];
    });
    return { cells, line };
  });
}
