/**
 * The results folder of a grid, kept safe against being killed at any moment.
 *
 * - Each finished run appends its `curves.csv` (and `layer_rates.csv`) rows first, then its
 *   one `runs.csv` row; every append is one write followed by fsync.
 * - On opening, a trailing partial line (a write cut short) is dropped, and curve rows of
 *   runs without a `runs.csv` row (killed between the two appends) are removed, so a
 *   restarted grid redoes exactly the unfinished runs and never duplicates a row.
 * - Whole-file rewrites (recovery, meta.json) go through a temporary file and a rename.
 *
 * @module
 */
import { parseCsv, toCsv } from "../output/csv.ts";
import {
  CURVE_COLUMNS,
  LAYER_RATE_COLUMNS,
  RUN_COLUMNS,
  runRowCells,
  runRowFromRecord,
} from "./schema.ts";
import type { RunRow } from "./schema.ts";

/** File names inside a results folder. */
export const FILES = {
  runs: "runs.csv",
  curves: "curves.csv",
  layerRates: "layer_rates.csv",
  meta: "meta.json",
} as const;

/**
 * Writes `text` to `path` so that a reader sees the old file or the new one, never half
 * of one: temporary file, fsync, rename.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { writeFileAtomic } from "./store.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/meta.json`, "{}\n");
 * assertEquals(await Deno.readTextFile(`${dir}/meta.json`), "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** Appends `text` to `path` and flushes it to disk before returning. */
async function appendDurably(path: string, text: string): Promise<void> {
  if (text === "") return;
  const file = await Deno.open(path, { append: true, create: true });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}

/** `text` without a trailing line that lacks its newline (a write cut short). */
export function dropPartialLine(text: string): string {
  if (text === "" || text.endsWith("\n")) return text;
  return text.slice(0, text.lastIndexOf("\n") + 1);
}

/**
 * Repairs one CSV file: drops a partial last line, writes the header if the file is empty,
 * keeps only records `keep` accepts. Rewrites the file (atomically) only when it changed.
 */
async function repair(
  path: string,
  columns: readonly string[],
  keep: (record: Record<string, string>) => boolean,
): Promise<Record<string, string>[]> {
  const original = await readOrEmpty(path);
  const text = dropPartialLine(original);
  const header = toCsv([columns as string[]]);
  if (!text.startsWith(header)) {
    if (text.trim() !== "") {
      throw new Error(
        `${path}: its header is not this version's (${columns.slice(0, 3).join(",")},...); ` +
          "use another --out folder or move the old results away",
      );
    }
    await writeFileAtomic(path, header);
    return [];
  }
  const records = parseCsv(text, path);
  const kept = records.filter(keep);
  if (kept.length !== records.length || text !== original) {
    const body = kept.map((r) => columns.map((c) => r[c] ?? ""));
    await writeFileAtomic(path, header + toCsv(body));
  }
  return kept;
}

/** A results folder opened for a grid: its finished runs, and appends of new ones. */
export class ResultsStore {
  readonly #dir: string;
  readonly #rows: RunRow[];
  readonly #ids: Set<string>;

  private constructor(dir: string, rows: RunRow[]) {
    this.#dir = dir;
    this.#rows = rows;
    this.#ids = new Set(rows.map((r) => r.runId));
  }

  /**
   * Opens (creating if needed) the results folder `dir`, repairing what an interrupted
   * grid left there.
   *
   * @example
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert/strict";
   * import { readResults } from "./report.ts";
   * import { ResultsStore } from "./store.ts";
   * const row = (await readResults(new URL("../../results/smoke", import.meta.url).pathname)).rows[0];
   * const dir = await Deno.makeTempDir();
   * const store = await ResultsStore.open(dir);
   * if (!store.has(row.runId)) await store.append(row, [], []);
   * assertEquals((await ResultsStore.open(dir)).rows.map((r) => r.runId), [row.runId]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(dir: string): Promise<ResultsStore> {
    await Deno.mkdir(dir, { recursive: true });
    const seen = new Set<string>();
    // A duplicated id cannot be produced by append(); dropping it keeps the invariant anyway.
    const records = await repair(`${dir}/${FILES.runs}`, RUN_COLUMNS, (r) => {
      if (seen.has(r.run_id)) return false;
      seen.add(r.run_id);
      return true;
    });
    const finished = (r: Record<string, string>) => seen.has(r.run_id);
    await repair(`${dir}/${FILES.curves}`, CURVE_COLUMNS, finished);
    await repair(`${dir}/${FILES.layerRates}`, LAYER_RATE_COLUMNS, finished);
    return new ResultsStore(dir, records.map(runRowFromRecord));
  }

  /** The folder. */
  get dir(): string {
    return this.#dir;
  }

  /** Finished runs, in the order they finished. */
  get rows(): readonly RunRow[] {
    return this.#rows;
  }

  /** Whether run `runId` has finished (its `runs.csv` row exists). */
  has(runId: string): boolean {
    return this.#ids.has(runId);
  }

  /**
   * Records one finished run: its curve rows and layer-rate rows (cells in
   * {@link CURVE_COLUMNS} / {@link LAYER_RATE_COLUMNS} order) first, then its run row.
   */
  async append(
    row: RunRow,
    curveRows: readonly (readonly string[])[],
    layerRateRows: readonly (readonly string[])[],
  ): Promise<void> {
    if (this.#ids.has(row.runId)) throw new Error(`run ${row.runId} is already recorded`);
    await appendDurably(`${this.#dir}/${FILES.curves}`, toCsv(curveRows));
    await appendDurably(`${this.#dir}/${FILES.layerRates}`, toCsv(layerRateRows));
    await appendDurably(`${this.#dir}/${FILES.runs}`, toCsv([runRowCells(row)]));
    this.#rows.push(row);
    this.#ids.add(row.runId);
  }
}
