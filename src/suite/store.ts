/**
 * The results folder of a grid: its lifecycle from first start to the last resume, kept safe
 * against being killed at any moment, against a second writer, and against files that are
 * not what the grid wrote.
 *
 * - {@link ResultsStore.open} takes the folder's lock (`lock.ts`), checks its identity
 *   (`meta.json`: the same grid, backend and shard, or a fresh folder), and reads back every
 *   row, checking each line (`table.ts`).
 * - Each finished run appends its `curves.csv` (and `layer_rates.csv`) rows first, then its
 *   one `runs.csv` row; every append is one write followed by fsync.
 * - On opening, a trailing partial line (a write cut short) is dropped, and curve rows of the
 *   run that was being written (killed between the two appends) are removed, so a restarted
 *   grid redoes exactly the unfinished runs and never duplicates a row.
 * - `meta.json` is written when a start or resume adds its first run and when it ends; a
 *   start that adds nothing leaves it as it was. Each resume is appended to its list.
 * - Whole-file rewrites (recovery, meta.json) go through a temporary file and a rename.
 * - {@link readResults} reads a folder without writing it (gate, report, merge), with the
 *   same checks.
 *
 * @module
 */
import { appendDurably, writeFileAtomic } from "../output/atomic.ts";
import { toCsv } from "../output/csv.ts";
import { sameGrid } from "./grid_spec.ts";
import { FolderBusyError, FolderLock } from "./lock.ts";
import { parseMeta } from "./meta.ts";
import type { Meta, ShardSpec, Versions } from "./meta.ts";
import { gridCells, runId } from "./plan.ts";
import { shardCells } from "./shard.ts";
import {
  CURVE_COLUMNS,
  LAYER_RATE_COLUMNS,
  RUN_COLUMNS,
  RUN_HEADERS,
  runRowCells,
  runRowFromRecord,
} from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { dropPartialLine, headerOf, readTable, ResultsError } from "./table.ts";
import type { CellKind, TableRecord } from "./table.ts";
import type { GridSpec } from "./types.ts";
import { describeKernels, kernelDifferences } from "../backend/kernel_identity.ts";
import type { KernelIdentity } from "../backend/kernel_identity.ts";

export { dropPartialLine, ResultsError };

/** File names inside a results folder. */
export const FILES = {
  runs: "runs.csv",
  curves: "curves.csv",
  layerRates: "layer_rates.csv",
  meta: "meta.json",
} as const;

// The range of every metric a run can produce (table.ts): a value outside it is a file
// someone edited or another program wrote, refused on read so no command averages it.
const RUN_KINDS: Record<string, CellKind> = {
  run_id: "id",
  depth: "count",
  width: "count",
  method: "method",
  batch_size: "positive",
  phase: "phase",
  lr_index: "int", // negative below the tuning grid (an extension downwards)
  base_lr: "nonneg",
  scaled_lr: "nonneg?",
  seed: "int",
  epochs: "nonneg",
  steps: "count",
  status: "status",
  final_train_loss: "nonneg?",
  final_test_accuracy: "fraction?",
  best_test_accuracy: "fraction?",
  val_accuracy: "fraction?",
  val_samples: "count",
  test_samples: "count",
  steps_to_target: "count?",
  max_grad_norm: "nonneg?",
  max_grad_norm_after_first: "nonneg?",
  grad_norm_growth: "nonneg?",
  loss_spikes: "count",
  wall_seconds: "nonneg",
  samples_per_sec: "nonneg?",
  finished_at: "date",
};
const CURVE_KINDS: Record<string, CellKind> = {
  run_id: "id",
  method: "method",
  batch_size: "positive",
  depth: "count",
  seed: "int",
  base_lr: "nonneg",
  step: "count",
  epoch: "nonneg",
  learning_rate: "nonneg?",
  train_loss: "nonneg?",
  test_accuracy: "fraction?",
  val_accuracy: "fraction?",
  grad_norm: "nonneg?",
  layer_grad_norm_min: "nonneg?",
  layer_grad_norm_max: "nonneg?",
};
const LAYER_RATE_KINDS: Record<string, CellKind> = {
  run_id: "id",
  batch_size: "positive",
  depth: "count",
  step: "count",
  layer_index: "count",
  global_lr: "nonneg?",
  layer_lr: "nonneg?",
  weight_norm: "nonneg?",
  grad_norm: "nonneg?",
};

/** How to leave a folder that cannot be resumed. */
const START_FRESH = "to start fresh, move the folder away (or delete it) or pick another --out";

/** The file's text, or undefined when it does not exist. */
async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new ResultsError(`${path}: cannot read it (${(e as Error).message})`);
  }
}

/** What a results folder holds, every line checked. */
export interface ResultsFolder {
  /** `runs.csv`, typed, in file order. */
  readonly rows: RunRow[];
  /** `runs.csv`, cell by cell as written: only the columns of {@link runColumns}. */
  readonly runRecords: Record<string, string>[];
  /** The header of `runs.csv`: `RUN_COLUMNS`, or that of the older version that made the
   * folder (one of `RUN_HEADERS`), whose rows lack the columns added since. */
  readonly runColumns: readonly string[];
  /** `curves.csv` rows of finished runs. */
  readonly curves: Record<string, string>[];
  /** `layer_rates.csv` rows of finished runs. */
  readonly layerRates: Record<string, string>[];
  /** `meta.json`, checked; undefined when the folder has none (and no rows). */
  readonly meta: Meta | undefined;
}

/**
 * The backend the results folder `dir` was started with (its `meta.json`), or undefined
 * when it has none or it cannot be read (then opening the folder reports why). A resume
 * without `--backend` keeps it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { folderBackend } from "./store.ts";
 * assertEquals(await folderBackend(new URL("../../results/smoke", import.meta.url).pathname), "wasm");
 * assertEquals(await folderBackend("/nonexistent"), undefined);
 * ```
 */
export async function folderBackend(dir: string): Promise<string | undefined> {
  try {
    return (await readMetaFile(dir))?.backend;
  } catch {
    return undefined;
  }
}

/** Reads and checks `meta.json` of `dir`: undefined when absent, an error when corrupt. */
async function readMetaFile(dir: string): Promise<Meta | undefined> {
  const path = `${dir}/${FILES.meta}`;
  const text = await readIfThere(path);
  if (text === undefined) return undefined;
  try {
    return parseMeta(text);
  } catch (e) {
    throw new ResultsError(
      `${path} is corrupt (${(e as Error).message}), so the grid that made this folder is ` +
        `unknown and it cannot be used; ${START_FRESH}`,
    );
  }
}

/**
 * Checks the records of a curves or layer-rates file: every run id is a finished run's,
 * except a last block of one run that was being written when its process stopped (dropped);
 * no `(run, key)` twice.
 */
function checkChildren(
  path: string,
  records: TableRecord[],
  ids: ReadonlySet<string>,
  key: (c: Record<string, string>) => string,
): Record<string, string>[] {
  let end = records.length;
  const tail = records.at(-1)?.cells.run_id;
  if (tail !== undefined && !ids.has(tail)) {
    while (end > 0 && records[end - 1].cells.run_id === tail) end--;
  }
  const seen = new Set<string>();
  const out: Record<string, string>[] = [];
  for (const { cells, line } of records.slice(0, end)) {
    if (!ids.has(cells.run_id)) {
      throw new ResultsError(
        `${path}:${line}: run_id ${cells.run_id} is not a run of ${FILES.runs}`,
      );
    }
    const k = key(cells);
    if (seen.has(k)) {
      throw new ResultsError(`${path}:${line}: a duplicate of an earlier line (${k})`);
    }
    seen.add(k);
    out.push(cells);
  }
  return out;
}

/** Reads every file of `dir` (which has `runs.csv`, possibly empty), checking every line. */
async function readFolder(dir: string, runsText: string): Promise<
  Omit<ResultsFolder, "meta"> & { runLines: number[]; partial: boolean }
> {
  const runsPath = `${dir}/${FILES.runs}`;
  // A folder made by an older version is read with its own header (newer columns: NaN).
  const runColumns = headerOf(runsText, RUN_HEADERS);
  const runs = readTable(runsPath, dropPartialLine(runsText), runColumns, RUN_KINDS);
  const ids = new Set<string>();
  for (const { cells, line } of runs) {
    if (ids.has(cells.run_id)) {
      throw new ResultsError(
        `${runsPath}:${line}: run_id ${cells.run_id} is there twice (two processes wrote ` +
          `this folder?); ${START_FRESH}`,
      );
    }
    ids.add(cells.run_id);
  }
  let partial = dropPartialLine(runsText) !== runsText;
  const child = async (
    file: string,
    columns: readonly string[],
    kinds: Record<string, CellKind>,
    key: (c: Record<string, string>) => string,
  ) => {
    const path = `${dir}/${file}`;
    const text = await readIfThere(path);
    if (text === undefined) {
      if (runs.length === 0) return [];
      throw new ResultsError(
        `${path} is missing while ${FILES.runs} has ${runs.length} finished runs; restore it ` +
          `from a copy, or ${START_FRESH}`,
      );
    }
    if (dropPartialLine(text) !== text) partial = true;
    return checkChildren(path, readTable(path, dropPartialLine(text), columns, kinds), ids, key);
  };
  const curves = await child(
    FILES.curves,
    CURVE_COLUMNS,
    CURVE_KINDS,
    (c) => `${c.run_id} step ${c.step}`,
  );
  const layerRates = await child(
    FILES.layerRates,
    LAYER_RATE_COLUMNS,
    LAYER_RATE_KINDS,
    (c) => `${c.run_id} step ${c.step} layer ${c.layer_index}`,
  );
  const runRecords = runs.map((r) => r.cells);
  return {
    rows: runRecords.map(runRowFromRecord),
    runRecords,
    runColumns,
    runLines: runs.map((r) => r.line),
    curves,
    layerRates,
    partial,
  };
}

/**
 * Reads a results folder without writing it: `runs.csv`, `curves.csv`, `layer_rates.csv`
 * and `meta.json`, every line checked. A trailing partial line and the rows of a run still
 * being written are left out, as a grid writing the folder now would leave them.
 *
 * @throws {ResultsError} when `runs.csv` is absent, at the first bad line (`file:line`),
 *   when a file the rows need is missing, when `meta.json` is corrupt, or when the rows are
 *   of two grids.
 * @example
 * ```ts ignore
 * const folder = await readResults("results/smoke");
 * ```
 */
export async function readResults(dir: string): Promise<ResultsFolder> {
  const runsText = await readIfThere(`${dir}/${FILES.runs}`);
  if (runsText === undefined) {
    throw new ResultsError(`${dir}: no ${FILES.runs} there; is it a results folder of \`grid\`?`);
  }
  const meta = await readMetaFile(dir);
  const folder = await readFolder(dir, runsText);
  const presets = [...new Set(folder.rows.map((r) => r.preset))];
  if (presets.length > 1) {
    const at = folder.rows.findIndex((r) => r.preset !== presets[0]);
    throw new ResultsError(
      `${dir}/${FILES.runs}:${folder.runLines[at]}: preset "${presets[1]}" after rows of ` +
        `"${presets[0]}"; a folder holds one grid`,
    );
  }
  if (meta && presets.length === 1 && presets[0] !== meta.grid.name) {
    throw new ResultsError(
      `${dir}/${FILES.runs}:${folder.runLines[0]}: preset "${presets[0]}" but ${FILES.meta} ` +
        `says grid "${meta.grid.name}"`,
    );
  }
  return {
    rows: folder.rows,
    runRecords: folder.runRecords,
    runColumns: folder.runColumns,
    curves: folder.curves,
    layerRates: folder.layerRates,
    meta,
  };
}

/** What a grid opens its folder with. */
export interface StoreOptions {
  /** The grid. */
  readonly grid: GridSpec;
  /** Backend name. */
  readonly backend: string;
  /** The shard this process runs; null or absent for the whole grid. */
  readonly shard?: ShardSpec | null;
  /** Versions of this process (meta.json's first start, or its resume record). */
  readonly versions: Versions;
  /** Hardware of this process. */
  readonly hardware?: Record<string, unknown>;
  /** Remove `error` rows (and the later rows of their cells) so they run again. */
  readonly retryErrors?: boolean;
  /** The kernels this process runs; a folder made on other kernels is refused. */
  readonly kernels?: KernelIdentity;
}

const shardText = (s: ShardSpec | null | undefined) =>
  s ? `--shard ${s.index}/${s.count}` : "the whole grid";

/**
 * Checks, without writing anything, that a grid may start or resume in `dir`: a fresh
 * folder, or one whose `meta.json` names the same grid, backend and shard. The CLI calls it
 * before loading a backend; {@link ResultsStore.open} calls it again under the lock.
 *
 * @returns the folder's meta, or undefined for a fresh folder.
 * @throws {ResultsError} with what is wrong and how to start fresh.
 * @example
 * ```ts
 * import { checkFolder } from "./store.ts";
 * import { SMOKE } from "./presets.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/runs.csv`, "run_id\nabc\n");
 * const refused = await checkFolder(dir, { grid: SMOKE, backend: "cpu" }).then(() => false, () => true);
 * if (!refused) throw new Error("rows without meta.json were accepted");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkFolder(
  dir: string,
  options: Pick<StoreOptions, "grid" | "backend" | "shard">,
): Promise<Meta | undefined> {
  const meta = await readMetaFile(dir);
  if (meta === undefined) {
    const runs = await readIfThere(`${dir}/${FILES.runs}`);
    const rows = runs === undefined ? 0 : runs.split("\n").slice(1).filter((l) => l !== "").length;
    if (rows > 0) {
      throw new ResultsError(
        `${dir} has ${rows} rows in ${FILES.runs} but no ${FILES.meta}, so the grid that made ` +
          `them is unknown and it cannot be resumed; ${START_FRESH}`,
      );
    }
    return undefined;
  }
  const { grid } = options;
  if (!sameGrid(meta.grid, grid)) {
    throw new ResultsError(
      `${dir} holds results of a different grid ("${meta.grid.name}" with other settings); ` +
        `resume only with the same arguments, or ${START_FRESH}`,
    );
  }
  if (meta.backend !== options.backend) {
    throw new ResultsError(
      `${dir} was started with --backend ${meta.backend}; resume with the same backend, or ` +
        START_FRESH,
    );
  }
  const a = meta.shard ?? null;
  const b = options.shard ?? null;
  if ((a?.index ?? 0) !== (b?.index ?? 0) || (a?.count ?? 0) !== (b?.count ?? 0)) {
    throw new ResultsError(
      `${dir} holds ${shardText(a)}, not ${shardText(b)}; resume with the same shard, or ` +
        START_FRESH,
    );
  }
  await readOwnRows(dir, options);
  return meta;
}

/**
 * Refuses to add runs to a folder whose runs were made on other kernels (another instruction
 * set, thread count or library version): its numbers would mix two machines' arithmetic. A
 * folder of an older version that recorded no kernels is resumed as before.
 *
 * @throws {ResultsError} naming both kernels and what differs.
 */
export function checkKernels(
  dir: string,
  meta: Meta | undefined,
  kernels: KernelIdentity | undefined,
): void {
  if (meta?.kernels === undefined || kernels === undefined || meta.runs === 0) return;
  const differences = kernelDifferences(meta.kernels, kernels);
  if (differences.length === 0) return;
  throw new ResultsError(
    `${dir} was made on other kernels (${differences.join("; ")}): its runs ran on ` +
      `${describeKernels(meta.kernels)}, this process on ${describeKernels(kernels)}; resume ` +
      `with the same --threads and kernel mode on a machine with the same libraries, or ${START_FRESH}`,
  );
}

/**
 * Reads the folder's files, every line checked, and checks that every row is a run of
 * `options.grid` (of its shard): its cell is one of the grid's, its id the one `runId`
 * gives it now.
 */
async function readOwnRows(
  dir: string,
  options: Pick<StoreOptions, "grid" | "shard">,
): Promise<Awaited<ReturnType<typeof readFolder>>> {
  const runsPath = `${dir}/${FILES.runs}`;
  const runsText = await readIfThere(runsPath) ?? "";
  const folder = await readFolder(dir, runsText);
  const { grid } = options;
  const cells = new Set(
    shardCells(gridCells(grid), options.shard).map((c) => `${c.method}|${c.batchSize}|${c.depth}`),
  );
  for (const [i, r] of folder.rows.entries()) {
    const where = `${runsPath}:${folder.runLines[i]}`;
    if (!cells.has(`${r.method}|${r.batchSize}|${r.depth}`)) {
      throw new ResultsError(
        `${where}: ${r.method} batch ${r.batchSize} depth ${r.depth} is not a cell of this ` +
          `grid (or shard); ${START_FRESH}`,
      );
    }
    const id = await runId(grid, r);
    if (id !== r.runId) {
      throw new ResultsError(
        `${where}: run_id ${r.runId} is not this grid's id ${id} for that run (another ` +
          `version or configuration wrote it); ${START_FRESH}`,
      );
    }
  }
  return folder;
}

/** The runs `--retry-errors` removes: each cell's error rows and every later row of it
 * (what the protocol chose after an error may change once it is redone). */
function retried(rows: readonly RunRow[]): Set<string> {
  const drop = new Set<string>();
  const erred = new Set<string>();
  for (const r of rows) {
    const cell = `${r.method}|${r.batchSize}|${r.depth}`;
    if (r.status === "error") erred.add(cell);
    if (erred.has(cell)) drop.add(r.runId);
  }
  return drop;
}

/** A results folder opened for a grid: its finished runs, and appends of new ones. */
export class ResultsStore {
  readonly #dir: string;
  readonly #rows: RunRow[];
  readonly #runColumns: readonly string[];
  readonly #ids: Set<string>;
  readonly #lock: FolderLock;
  readonly #options: StoreOptions;
  readonly #previous: Meta | undefined;
  readonly #retriedErrors: number;
  readonly #openedAt = new Date().toISOString();
  #meta: Meta | undefined;
  #appended = 0;
  #closed = false;

  private constructor(
    dir: string,
    rows: RunRow[],
    runColumns: readonly string[],
    lock: FolderLock,
    options: StoreOptions,
    previous: Meta | undefined,
    retriedErrors: number,
  ) {
    this.#dir = dir;
    this.#rows = rows;
    this.#runColumns = runColumns;
    this.#ids = new Set(rows.map((r) => r.runId));
    this.#lock = lock;
    this.#options = options;
    this.#previous = previous;
    this.#meta = previous;
    this.#retriedErrors = retriedErrors;
  }

  /**
   * Opens (creating if needed) the results folder `dir` for `options.grid`: takes its lock,
   * checks its identity ({@link checkFolder}) and every line of its files, repairs what an
   * interrupted grid left there, and checks that every row is a run of this grid (its id is
   * the one `runId` gives it now, its cell one of the grid's or the shard's).
   *
   * @throws {FolderBusyError} when another process holds the folder.
   * @throws {ResultsError} when the folder is not this grid's or a line is bad.
   * @example
   * ```ts ignore
   * const store = await ResultsStore.open("results/smoke", { grid, backend: "wasm", versions });
   * try {
   *   if (!store.has(id)) await store.append(row, curveRows, []);
   * } finally {
   *   await store.close(true);
   * }
   * ```
   */
  static async open(dir: string, options: StoreOptions): Promise<ResultsStore> {
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (e) {
      throw new ResultsError(`${dir}: cannot create the folder (${(e as Error).message})`);
    }
    let lock: FolderLock;
    try {
      lock = await FolderLock.acquire(dir);
    } catch (e) {
      if (e instanceof FolderBusyError) throw e;
      throw new ResultsError(`${dir}: cannot lock the folder (${(e as Error).message})`);
    }
    try {
      const previous = await checkFolder(dir, options);
      checkKernels(dir, previous, options.kernels);
      const { rows, runColumns, retriedErrors } = await ResultsStore.#repair(dir, options);
      return new ResultsStore(dir, rows, runColumns, lock, options, previous, retriedErrors);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  static async #repair(
    dir: string,
    options: StoreOptions,
  ): Promise<{ rows: RunRow[]; runColumns: readonly string[]; retriedErrors: number }> {
    const folder = await readOwnRows(dir, options);
    const drop = options.retryErrors ? retried(folder.rows) : new Set<string>();
    const keep = (c: Record<string, string>) => !drop.has(c.run_id);
    const retriedErrors = folder.rows.filter((r) => drop.has(r.runId) && r.status === "error")
      .length;
    const files: [string, readonly string[], Record<string, string>[], boolean][] = [
      [FILES.curves, CURVE_COLUMNS, folder.curves, true],
      [FILES.layerRates, LAYER_RATE_COLUMNS, folder.layerRates, true],
      // A folder keeps the header it was started with: one made by an older version gets
      // its new rows without the columns added since, so no column is half recorded.
      [FILES.runs, folder.runColumns, folder.runRecords, false],
    ];
    for (const [file, columns, records] of files) {
      const path = `${dir}/${file}`;
      const kept = records.filter(keep);
      const text = toCsv([columns as string[]]) +
        toCsv(kept.map((r) => columns.map((c) => r[c])));
      // Rewritten only when it changed: a dropped partial line, orphan rows, retried rows.
      if (await readIfThere(path) !== text) await writeFileAtomic(path, text);
    }
    return {
      rows: folder.rows.filter((r) => !drop.has(r.runId)),
      runColumns: folder.runColumns,
      retriedErrors,
    };
  }

  /** The folder. */
  get dir(): string {
    return this.#dir;
  }

  /** Finished runs, in the order they finished. */
  get rows(): readonly RunRow[] {
    return this.#rows;
  }

  /** Error rows this opening removed to run again (`retryErrors`). */
  get retriedErrors(): number {
    return this.#retriedErrors;
  }

  /** Whether run `runId` has finished (its `runs.csv` row exists). */
  has(runId: string): boolean {
    return this.#ids.has(runId);
  }

  /** meta.json as this start leaves it, before its first run is appended. */
  #startMeta(): Meta {
    const o = this.#options;
    const hardware = o.hardware ?? {};
    const prev = this.#previous;
    if (prev === undefined) {
      return {
        grid: o.grid,
        preset: o.grid.name,
        backend: o.backend,
        versions: o.versions,
        hardware,
        startedAt: this.#openedAt,
        resumedAt: [],
        resumes: [],
        endedAt: null,
        runs: this.#rows.length,
        shard: o.shard ?? null,
        ...(o.kernels ? { kernels: o.kernels } : {}),
      };
    }
    const resume = {
      at: this.#openedAt,
      versions: o.versions,
      hardware,
      runsBefore: this.#rows.length,
      retriedErrors: this.#retriedErrors,
      ...(o.kernels ? { kernels: o.kernels } : {}),
    };
    return {
      ...prev,
      resumedAt: [...prev.resumedAt, this.#openedAt],
      resumes: [...(prev.resumes ?? []), resume],
      endedAt: null,
      runs: this.#rows.length,
    };
  }

  async #writeMeta(meta: Meta): Promise<void> {
    await writeFileAtomic(`${this.#dir}/${FILES.meta}`, JSON.stringify(meta, null, 2) + "\n");
    this.#meta = meta;
  }

  /**
   * Records one finished run: its curve rows and layer-rate rows (cells in
   * {@link CURVE_COLUMNS} / {@link LAYER_RATE_COLUMNS} order) first, then its run row, in the
   * columns of the folder's `runs.csv` header. The first append of a start writes its
   * `meta.json` (or its resume record) first.
   */
  async append(
    row: RunRow,
    curveRows: readonly (readonly string[])[],
    layerRateRows: readonly (readonly string[])[],
  ): Promise<void> {
    if (this.#closed) throw new Error(`${this.#dir} is closed`);
    if (this.#ids.has(row.runId)) throw new Error(`run ${row.runId} is already recorded`);
    if (this.#appended === 0) await this.#writeMeta(this.#startMeta());
    await appendDurably(`${this.#dir}/${FILES.curves}`, toCsv(curveRows));
    await appendDurably(`${this.#dir}/${FILES.layerRates}`, toCsv(layerRateRows));
    const cells = runRowCells(row, this.#runColumns);
    await appendDurably(`${this.#dir}/${FILES.runs}`, toCsv([cells]));
    // The row as the file records it: a folder of an older version lacks some columns, and
    // its rows read back NaN there, now as after a resume.
    this.#rows.push(
      this.#runColumns === RUN_COLUMNS
        ? row
        : runRowFromRecord(Object.fromEntries(this.#runColumns.map((c, i) => [c, cells[i]]))),
    );
    this.#ids.add(row.runId);
    this.#appended++;
  }

  /**
   * Ends this start: when it added runs, `meta.json` gets their count and, if `complete`,
   * the end time; then the lock is freed. A start that added nothing writes nothing.
   */
  async close(complete: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#appended > 0 && this.#meta) {
        await this.#writeMeta({
          ...this.#meta,
          endedAt: complete ? new Date().toISOString() : null,
          runs: this.#rows.length,
        });
      }
    } finally {
      this.#lock.release();
    }
  }
}
