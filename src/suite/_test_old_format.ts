/**
 * Test helper: a results folder as a version before the stability columns wrote it (the
 * committed `results/smoke`, `standard` and `cnn` are such folders). Tests only.
 *
 * @module
 */
import { parseCsvLines, toCsv } from "../output/csv.ts";
import { STABILITY_COLUMNS } from "./schema.ts";

/**
 * Rewrites `dir/runs.csv` without {@link STABILITY_COLUMNS}: the same rows, cells and order
 * as an older version would have written them. A folder already without them is left as is.
 */
export async function dropStabilityColumns(dir: string): Promise<void> {
  const path = `${dir}/runs.csv`;
  const [head, ...body] = parseCsvLines(await Deno.readTextFile(path)).map((r) => r.record);
  const keep = head.map((c, i) => STABILITY_COLUMNS.includes(c) ? -1 : i).filter((i) => i >= 0);
  if (keep.length === head.length) return;
  await Deno.writeTextFile(path, toCsv([head, ...body].map((r) => keep.map((i) => r[i]))));
}
