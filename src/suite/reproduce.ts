/**
 * Re-derives committed results: re-runs chosen rows of a results folder through the grid's
 * own path from planned run to row (`executeRun`), and compares each with its committed row.
 *
 * Everything comes from the folder: the grid and backend from `meta.json`, each run's
 * method, batch size, depth, seed, rate and phase from its `runs.csv` row, and the planned
 * run from the grid's cell procedure (`nextCellRuns`) given the cell's other rows, so a
 * folder made under another protocol or schema is checked against what today's code plans.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, useBackend } from "../backend/backend.ts";
import {
  describeKernels,
  kernelDifferences,
  parseKernelIdentity,
} from "../backend/kernel_identity.ts";
import type { KernelIdentity } from "../backend/kernel_identity.ts";
import type { NativeKernelMode } from "../backend/native_ffi.ts";
import type { BackendName } from "../backend/backend.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import { nextCellRuns } from "./cell_plan.ts";
import { runId } from "./plan.ts";
import { BIT_EXACT, compareRun, spreadIndices } from "./drift.ts";
import type { DriftRow, Tolerance } from "./drift.ts";
import { GridSpecError, validateGridSpec } from "./grid_spec.ts";
import { currentVersions } from "./meta.ts";
import type { Versions } from "./meta.ts";
import { executeRun } from "./execute.ts";
import { RUN_COLUMNS, runRowCells, runRowFromRecord } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { FILES, readResults, ResultsError } from "./store.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/** A results folder that cannot be checked (absent, unreadable, or an unknown run id). */
export class ReproduceError extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
}

/** What a results folder records, as `reproduce` reads it. */
export interface CommittedFolder {
  /** `meta.json`'s grid, validated. */
  readonly grid: GridSpec;
  /** `meta.json`'s backend. */
  readonly backend: string;
  /** `meta.json`'s versions, when recorded. */
  readonly versions: Versions | undefined;
  /** `meta.json`'s backend threads per worker (`threads` or `hardware.threads`), when recorded. */
  readonly threads: number | undefined;
  /**
   * The kernels its runs ran on: `meta.json`'s `kernels`, or for a folder of an older version
   * what it recorded (backend, threads), the rest unknown.
   */
  readonly kernels: KernelIdentity;
  /** The `runs.csv` records, cell text as written. */
  readonly records: readonly Record<string, string>[];
}

/**
 * Reads `dir`'s `meta.json` and `runs.csv`, every file of the folder checked as every
 * command checks it (`readResults`; a torn last line is ignored).
 *
 * @throws {ReproduceError} when a file is absent or invalid.
 * @example
 * ```ts
 * import { readCommitted } from "@lalc/large-batch/suite";
 * const folder = await readCommitted("results/smoke");
 * if (folder.records.length === 0 || folder.grid.name !== "smoke") throw new Error("smoke");
 * ```
 */
export async function readCommitted(dir: string): Promise<CommittedFolder> {
  const read = async (name: string) => {
    try {
      return await Deno.readTextFile(`${dir}/${name}`);
    } catch (e) {
      throw new ReproduceError(
        `${dir}/${name}: ${
          e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message
        }; expected a results folder written by \`grid\``,
      );
    }
  };
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(await read(FILES.meta));
  } catch (e) {
    if (e instanceof ReproduceError) throw e;
    throw new ReproduceError(`${dir}/${FILES.meta}: not JSON (${(e as Error).message})`);
  }
  let grid: GridSpec;
  try {
    grid = validateGridSpec(meta.grid);
  } catch (e) {
    if (!(e instanceof GridSpecError)) throw e;
    throw new ReproduceError(`${dir}/${FILES.meta}: its grid is invalid: ${e.message}`);
  }
  if (typeof meta.backend !== "string") {
    throw new ReproduceError(`${dir}/${FILES.meta}: no "backend"; expected the grid's backend`);
  }
  // Every file through the reader of every other command (store.ts): a lost curves.csv,
  // orphan curve rows or a metric out of range is refused here as there.
  let records: Record<string, string>[];
  try {
    records = (await readResults(dir)).runRecords;
  } catch (e) {
    if (!(e instanceof ResultsError)) throw e;
    throw new ReproduceError(e.message);
  }
  // The grid records each worker's backend threads under hardware (native sums depend on it).
  const hardware = (meta.hardware ?? {}) as Record<string, unknown>;
  const threads = typeof meta.threads === "number"
    ? meta.threads
    : typeof hardware.threads === "number"
    ? hardware.threads
    : undefined;
  const kernels = parseKernelIdentity(meta.kernels) ?? {
    backend: meta.backend,
    threads: threads ?? null,
    mode: null,
    isa: null,
    blasCore: null,
    libraries: "unknown",
    device: null,
    fused: false,
  };
  return {
    grid,
    backend: meta.backend,
    versions: meta.versions as Versions | undefined,
    threads: threads ?? kernels.threads ?? undefined,
    kernels,
    records,
  };
}

/** Which rows to re-run: `runIds`, or `runs` rows spread evenly over the folder. */
export interface RowChoice {
  /** Re-run these ids (each must be in the folder). */
  readonly runIds?: readonly string[];
  /** Re-run this many rows, evenly spaced over the folder's run order (default 5). */
  readonly runs?: number;
}

/**
 * The records `choice` picks, in the folder's order.
 *
 * @throws {ReproduceError} on a run id that is not in the folder.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { chooseRecords } from "./reproduce.ts";
 * const rows = [{ run_id: "a" }, { run_id: "b" }, { run_id: "c" }];
 * assertEquals(chooseRecords(rows, { runs: 2 }).map((r) => r.run_id), ["a", "c"]);
 * ```
 */
export function chooseRecords(
  records: readonly Record<string, string>[],
  choice: RowChoice,
): Record<string, string>[] {
  if (choice.runIds !== undefined) {
    const ids = new Set(records.map((r) => r.run_id));
    const unknown = choice.runIds.filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new ReproduceError(
        `run id ${unknown.join(", ")} is not in the folder; allowed: the run_id column of runs.csv`,
      );
    }
    const wanted = new Set(choice.runIds);
    return records.filter((r) => wanted.has(r.run_id));
  }
  return spreadIndices(records.length, choice.runs ?? 5).map((i) => records[i]);
}

/**
 * The run that `grid`'s cell procedure plans for `row`, given the cell's other finished
 * rows: exactly what the grid would run next if `row` were missing. When today's procedure
 * plans the same configuration under another id (the id's recipe changed), that run is
 * returned and the id change shows up as drift of `run_id`.
 *
 * @returns undefined when today's procedure would not run this configuration at all.
 */
export async function plannedRunOf(
  grid: GridSpec,
  rows: readonly RunRow[],
  row: RunRow,
): Promise<PlannedRun | undefined> {
  const cell = { method: row.method, batchSize: row.batchSize, depth: row.depth };
  // The cell's other rows, under the ids today's code gives their configurations, so a
  // folder written before the id recipe changed still counts as finished where it is.
  const finished = new Map<string, RunRow>();
  for (const r of rows) {
    if (
      r.runId === row.runId || r.method !== cell.method || r.batchSize !== cell.batchSize ||
      r.depth !== cell.depth
    ) continue;
    const id = await runId(grid, r);
    finished.set(id, { ...r, runId: id });
  }
  const next = await nextCellRuns(grid, cell, finished);
  const today = await runId(grid, row);
  return next.find((r) => r.runId === today) ??
    next.find((r) => r.seed === row.seed && r.baseLr === row.baseLr && r.phase === row.phase);
}

/** The per-backend tolerances of `reproduce` and the fingerprint bench. */
export const TOLERANCES_FILE: URL = new URL("../../fixtures/reproducibility.json", import.meta.url);

/** Which tolerance of fixtures/reproducibility.json: re-runs on the same kernels, or on others. */
export type ToleranceSection = "sameKernels" | "acrossKernels";

/** The JSON key of each {@link ToleranceSection}. */
const SECTION_KEYS: Record<ToleranceSection, string> = {
  sameKernels: "backends",
  acrossKernels: "acrossKernels",
};

/**
 * The tolerance `backend` is held to, from `file` (fixtures/reproducibility.json): its
 * measured entry for re-runs on the same kernels (`backends`) or on other kernels
 * (`acrossKernels`), or {@link BIT_EXACT} for a backend the section does not list.
 *
 * @throws {ReproduceError} when the file is unreadable or its entry is malformed.
 * @example
 * ```ts
 * import { backendTolerance } from "@lalc/large-batch/suite";
 * const { tolerance } = await backendTolerance("wasm");
 * if (tolerance.absolute !== 0) throw new Error("wasm is measured bit-exact");
 * ```
 */
export async function backendTolerance(
  backend: string,
  file: URL | string = TOLERANCES_FILE,
  section: ToleranceSection = "sameKernels",
): Promise<{ tolerance: Tolerance; source: string; measured: string }> {
  let parsed: Record<
    string,
    Record<string, { absolute?: unknown; columns?: unknown; measured?: unknown }> | undefined
  >;
  try {
    parsed = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new ReproduceError(`${file}: ${(e as Error).message}; expected the tolerances JSON`);
  }
  const key = SECTION_KEYS[section];
  const entry = parsed[key]?.[backend];
  if (entry === undefined) {
    return {
      tolerance: BIT_EXACT,
      source: `${backend} bit-exact`,
      measured: `${backend} is not in ${key} of ${file}: held to bit-exact until a spread ` +
        "is measured",
    };
  }
  if (typeof entry.absolute !== "number" || !(entry.absolute >= 0)) {
    throw new ReproduceError(
      `${file}: ${key}.${backend}.absolute is ${JSON.stringify(entry.absolute)}; ` +
        "expected a number >= 0",
    );
  }
  const columns = entry.columns ?? {};
  if (
    typeof columns !== "object" || columns === null ||
    !Object.values(columns).every((v) => typeof v === "number" && v >= 0)
  ) {
    throw new ReproduceError(
      `${file}: ${key}.${backend}.columns is ${JSON.stringify(entry.columns)}; ` +
        "expected {column: number >= 0}",
    );
  }
  return {
    tolerance: { absolute: entry.absolute, columns: columns as Record<string, number> },
    source: `${backend} ${entry.absolute === 0 ? "bit-exact" : `|diff| <= ${entry.absolute}`}`,
    measured: String(entry.measured ?? "unmeasured"),
  };
}

/** How a re-run is compared with its folder: which kernels ran, and the tolerance that follows. */
export interface KernelComparison {
  /** Whether the same kernels ran (then the same code must give the same bits). */
  readonly sameKernels: boolean;
  /** What differs, each as `what recorded -> now` (empty when the same kernels ran). */
  readonly differences: readonly string[];
  /** The folder's kernels and this process's, in words. */
  readonly committed: string;
  /** This process's kernels, in words. */
  readonly current: string;
  /** The tolerance the comparison uses. */
  readonly tolerance: Tolerance;
  /** The tolerance in words, e.g. `native bit-exact (same kernels)`. */
  readonly source: string;
  /** Where the tolerance comes from (a measurement, or the command line). */
  readonly measured: string;
}

/**
 * The comparison a re-run on `current` kernels of a folder made on `committed` ones gets: the
 * same kernels are held to the backend's same-kernel tolerance (bit-exact), other kernels (an
 * instruction set, core type, thread count or library version) to the measured across-kernels
 * tolerance of fixtures/reproducibility.json.
 *
 * @throws {ReproduceError} when the tolerances file is unreadable or malformed.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { kernelComparison } from "./reproduce.ts";
 * const k = {
 *   backend: "native", threads: 1, mode: "reproducible" as const, isa: "avx2",
 *   blasCore: "Haswell", libraries: "OpenBLAS 0.3.21, oneDNN 2.6.3", device: null, fused: true,
 * };
 * assertEquals((await kernelComparison(k, k)).tolerance.absolute, 0);
 * const other = await kernelComparison(k, { ...k, isa: "avx512_core_bf16" });
 * assertEquals(other.differences, ["instruction set avx2 -> avx512_core_bf16"]);
 * assertEquals(other.tolerance.absolute > 0, true);
 * ```
 */
export async function kernelComparison(
  committed: KernelIdentity,
  current: KernelIdentity,
  file: URL | string = TOLERANCES_FILE,
): Promise<KernelComparison> {
  const differences = kernelDifferences(committed, current);
  const sameKernels = differences.length === 0;
  const { tolerance, source, measured } = await backendTolerance(
    current.backend,
    file,
    sameKernels ? "sameKernels" : "acrossKernels",
  );
  return {
    sameKernels,
    differences,
    committed: describeKernels(committed),
    current: describeKernels(current),
    tolerance,
    source: sameKernels
      ? `${source} (same kernels)`
      : `${source} (kernels differ: ${differences.join("; ")})`,
    measured,
  };
}

/**
 * The cause of a drift that the kernels show, in one clause: other kernels (naming what
 * differs), or the same kernels, so the code, the data or the committed file moved.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { driftCause } from "./reproduce.ts";
 * assertEquals(
 *   driftCause({ sameKernels: false, differences: ["threads per run 1 -> 2"] }),
 *   "other kernels than the folder's: threads per run 1 -> 2",
 * );
 * ```
 */
export function driftCause(
  comparison: Pick<KernelComparison, "sameKernels" | "differences">,
): string {
  return comparison.sameKernels
    ? "the same kernels ran as made the folder, so the code, the data or the committed " +
      "file changed"
    : `other kernels than the folder's: ${comparison.differences.join("; ")}`;
}

/** What {@link reproduceFolder} needs. */
export interface ReproduceOptions extends RowChoice {
  /** The results folder. */
  readonly dir: string;
  /** Backend to train on (default: the folder's, from `meta.json`). */
  readonly backend?: BackendName;
  /** Backend threads (default: the folder's when recorded). */
  readonly threads?: number;
  /** native kernel mode (default: the folder's, else `reproducible`). */
  readonly kernels?: NativeKernelMode;
  /** Allowed difference (default: from {@link kernelComparison}). */
  readonly tolerance?: Tolerance;
  /** Trains one run (default src/train/run.ts's `trainRun`). */
  readonly runFn?: (config: RunConfig) => Promise<RunResult>;
  /** Called after each run with its compared cells. */
  readonly onRun?: (done: number, total: number, run: PlannedRun, drift: DriftRow[]) => void;
}

/** What {@link reproduceFolder} found. */
export interface ReproduceReport {
  /** The folder's grid. */
  readonly grid: GridSpec;
  /** The backend the runs were trained on now. */
  readonly backend: string;
  /** The folder's backend. */
  readonly committedBackend: string;
  /** The folder's versions, and this process's. */
  readonly versions: { readonly committed: Versions | undefined; readonly current: Versions };
  /** Run ids re-run, in order. */
  readonly runIds: readonly string[];
  /** Every compared cell (metrics always, configuration only where it differs). */
  readonly rows: readonly DriftRow[];
  /** The cells outside the tolerance. */
  readonly mismatches: readonly DriftRow[];
  /** The kernels compared, and the tolerance they called for. */
  readonly comparison: KernelComparison;
  /** Run ids with at least one mismatch. */
  readonly driftedRuns: readonly string[];
}

/**
 * Re-runs the chosen rows of `options.dir` and compares them with the committed ones.
 * Tensors are all freed (each run disposes its model and optimizer).
 *
 * @throws {ReproduceError} when the folder cannot be read or a run id is not in it.
 * @example
 * ```ts ignore
 * const report = await reproduceFolder({ dir: "results/smoke", runs: 12 });
 * console.log(`${report.driftedRuns.length} of ${report.runIds.length} runs drifted`);
 * ```
 */
export async function reproduceFolder(options: ReproduceOptions): Promise<ReproduceReport> {
  const folder = await readCommitted(options.dir);
  const chosen = chooseRecords(folder.records, options);
  const rows = folder.records.map(runRowFromRecord);
  const backend = options.backend ?? folder.backend as BackendName;
  const threads = options.threads ?? folder.threads;
  const kernels = options.kernels ?? folder.kernels.mode ?? "reproducible";
  // Heavy modules load only once the folder is known to be readable.
  const [{ loadGridDataset }, { optimizerKit }, { trainRun }] = await Promise.all([
    import("./data.ts"),
    import("../methods/kit.ts"),
    import("../train/run.ts"),
  ]);
  let dataset;
  try {
    // The training kernels the folder was made with: fused, or the unfused reference path.
    const fused = folder.kernels.fused;
    await useBackend(
      backend,
      threads === undefined ? { kernels, fused } : { threads, kernels, fused },
    );
    dataset = await loadGridDataset(folder.grid.dataset);
  } catch (e) {
    // A missing data set or backend is the reader's setup, not a bug: one line, no stack.
    throw new ReproduceError(
      `${options.dir}: cannot train its runs here (backend ${backend}, data ` +
        `${folder.grid.dataset.name}): ${(e as Error).message}`,
    );
  }
  const current = await currentVersions();
  const measured = await kernelComparison(folder.kernels, backendInfo().kernels);
  const comparison: KernelComparison = options.tolerance === undefined ? measured : {
    ...measured,
    tolerance: options.tolerance,
    source: `|diff| <= ${options.tolerance.absolute} (given)`,
    measured: "given by the caller",
  };
  const { tolerance } = comparison;
  const context = {
    grid: folder.grid,
    dataset,
    runFn: options.runFn ?? trainRun,
    kit: optimizerKit,
    backend,
    versions: current,
  };
  const all: DriftRow[] = [];
  const runIds: string[] = [];
  for (const [i, record] of chosen.entries()) {
    const row = runRowFromRecord(record);
    const run = await plannedRunOf(folder.grid, rows, row);
    if (run === undefined) {
      // Today's procedure would not run this configuration: nothing to train, all drift.
      const drift: DriftRow = {
        runId: row.runId,
        column: "(planned)",
        committed: "yes",
        reproduced: "no",
        absDiff: NaN,
        withinTolerance: false,
      };
      all.push(drift);
      runIds.push(row.runId);
      const { runId: id, method, batchSize, depth, seed, lrIndex, baseLr, phase } = row;
      const asPlanned = { runId: id, method, batchSize, depth, seed, lrIndex, baseLr, phase };
      options.onRun?.(i + 1, chosen.length, asPlanned, [drift]);
      continue;
    }
    const before = tf.memory().numTensors;
    const { row: fresh } = await executeRun(context, run);
    if (tf.memory().numTensors !== before) {
      throw new Error(`run ${run.runId} leaked ${tf.memory().numTensors - before} tensors`);
    }
    const cells = runRowCells(fresh);
    const reproduced = Object.fromEntries(RUN_COLUMNS.map((c, j) => [c, cells[j]]));
    const drift = compareRun(row.runId, record, reproduced, tolerance);
    all.push(...drift);
    runIds.push(row.runId);
    options.onRun?.(i + 1, chosen.length, run, drift);
  }
  const mismatches = all.filter((d) => !d.withinTolerance);
  return {
    grid: folder.grid,
    backend,
    committedBackend: folder.backend,
    versions: { committed: folder.versions, current },
    runIds,
    rows: all,
    mismatches,
    comparison,
    driftedRuns: [...new Set(mismatches.map((d) => d.runId))],
  };
}
