/**
 * The one place the project touches a CSV library (npm's csv-stringify / csv-parse, pinned in
 * deno.json), so it can move to `@std/csv` once JSR is reachable.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { parse } from "csv-parse/sync";

/**
 * CSV text of `rows` (each row ends with `\n`; quoting only where needed).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { toCsv } from "./csv.ts";
 * assertEquals(toCsv([["a", "b,c"]]), 'a,"b,c"\n');
 * ```
 */
export function toCsv(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  return stringify(rows as string[][], { record_delimiter: "unix" });
}

/**
 * CSV text that does not parse, with the file and the line. `exitCode` 1 makes a command
 * report it as one line (a data error; see src/cli/guard.ts).
 */
export class CsvParseError extends Error {
  /** The exit code of a command that meets it: a data error. */
  readonly exitCode = 1;
  /** @param message `<file>: line <n>: <what is wrong>`. */
  constructor(message: string) {
    super(message);
    this.name = "CsvParseError";
  }
}

/**
 * Records of CSV `text` whose first line is the header, as column-name maps.
 *
 * @param source the file the text was read from, named in errors.
 * @throws {CsvParseError} when the text is not valid CSV, naming `source` and the line.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * import { parseCsv } from "./csv.ts";
 * assertEquals(parseCsv("a,b\n1,2\n"), [{ a: "1", b: "2" }]);
 * throws(() => parseCsv("a,b\n1,2,3\n", "runs.csv"), /^CsvParseError: runs.csv: line 2: /);
 * ```
 */
export function parseCsv(text: string, source = "CSV text"): Record<string, string>[] {
  if (text.trim() === "") return [];
  try {
    return parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new CsvParseError(`${source}: line ${line ?? "?"}: ${(e as Error).message}`);
  }
}

/**
 * Records of CSV `text` as cell arrays with the line each ends on (the header included, as
 * the first record); records may have any number of fields, for the caller to check.
 *
 * @throws when the text is not valid CSV; the error's `lines` is where parsing stopped.
 * @example
 * ```ts
 * import { parseCsvLines } from "./csv.ts";
 * const [head, first] = parseCsvLines("a,b\n1\n");
 * if (head.record.length !== 2 || first.record.length !== 1 || first.line !== 2) {
 *   throw new Error("misread");
 * }
 * ```
 */
export function parseCsvLines(text: string): { record: string[]; line: number }[] {
  const out = parse(text, {
    relax_column_count: true,
    info: true,
    skip_empty_lines: true,
  }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  return out.map(({ record, info }) => ({ record, line: info.lines }));
}
