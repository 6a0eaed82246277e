/**
 * The one place the suite touches a CSV library (npm's csv-stringify / csv-parse, pinned in
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
 * import { toCsv } from "./csv.ts";
 * toCsv([["a", "b,c"]]); // 'a,"b,c"\n'
 * ```
 */
export function toCsv(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  return stringify(rows as string[][], { record_delimiter: "unix" });
}

/**
 * Records of CSV `text` whose first line is the header, as column-name maps.
 *
 * @throws when the text is not valid CSV (names the line).
 * @example
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * parseCsv("a,b\n1,2\n"); // [{ a: "1", b: "2" }]
 * ```
 */
export function parseCsv(text: string): Record<string, string>[] {
  if (text.trim() === "") return [];
  return parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}
