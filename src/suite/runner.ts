/**
 * The grid runner: schedules every planned run of a grid (or of one shard of it) on one or
 * more workers, and records each into a results folder that survives being killed
 * (`store.ts`).
 *
 * Scheduling only; what a cell runs is `cell_plan.ts`'s {@link nextCellRuns}. Cells run at
 * the same time on different workers; inside a cell, each batch that `nextCellRuns` returns
 * runs to the end (its runs spread over the free workers) before the next batch is asked
 * for, so tuning and seed phases keep their order. A free worker takes a run of the
 * earliest cell that has one; with one worker that is exactly the serial order. The parent
 * alone writes the folder, one run at a time.
 *
 * @module
 */
import type { KernelIdentity } from "../backend/kernel_identity.ts";
import type { Dataset } from "../data/types.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import { nextCellRuns } from "./cell_plan.ts";
import { executeRun } from "./execute.ts";
import type { ExecutedRun } from "./execute.ts";
import { gridCells, totalRuns } from "./plan.ts";
import type { Cell } from "./plan.ts";
import type { RunRow } from "./schema.ts";
import { shardCells } from "./shard.ts";
import { ResultsStore } from "./store.ts";
import type { ShardSpec, Versions } from "./meta.ts";
import { WorkerPool } from "./worker_pool.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

export { plannedSteps } from "./execute.ts";

/** Progress of a grid, reported after every run (finished or skipped). */
export interface GridProgress {
  /** Runs finished, including those found finished in the folder. */
  readonly done: number;
  /** Runs of the whole grid (of this shard, with a shard). */
  readonly total: number;
  /** Runs done by this process. */
  readonly ranNow: number;
  /** Seconds since this process started the grid. */
  readonly elapsedSeconds: number;
  /** The run just finished or skipped. */
  readonly run: PlannedRun;
  /** Its row (from the folder when skipped). */
  readonly row: RunRow | undefined;
  /** Whether it was already finished. */
  readonly skipped: boolean;
  /** Runs in flight on the workers now. */
  readonly running: number;
}

/** What {@link runGrid} needs. */
export interface GridRunOptions {
  /** The grid. */
  readonly grid: GridSpec;
  /** The results folder. */
  readonly out: string;
  /** The loaded data set of the grid. */
  readonly dataset: Dataset;
  /** Trains one run (src/train/run.ts's `trainRun`; a fake in tests). Used with one
   * worker; with more, each worker module brings its own. */
  readonly runFn: (config: RunConfig) => Promise<RunResult>;
  /** Optimizers and schedules. */
  readonly kit: OptimizerKit;
  /** Backend name written in every row. */
  readonly backend: string;
  /** Versions written in every row. */
  readonly versions: Versions;
  /** Hardware recorded in meta.json. */
  readonly hardware?: Record<string, unknown>;
  /** Called after every run. */
  readonly onProgress?: (progress: GridProgress) => void;
  /** Stop after this many new runs (tests, `--max-runs`). Default: no limit. */
  readonly maxRuns?: number;
  /** Run only this shard's cells (`--shard K/N`). Default: the whole grid. */
  readonly shard?: ShardSpec | null;
  /** Run `error` rows again (`--retry-errors`). */
  readonly retryErrors?: boolean;
  /** Runs at a time, each on its own Web Worker; 1 (default) runs them in this thread. */
  readonly workers?: number;
  /** Backend threads per run, in any worker (default 1). */
  readonly threads?: number;
  /** What determines the numbers (recorded in meta.json; a resume must match it). */
  readonly kernels?: KernelIdentity;
  /** The worker module (default `grid_worker.ts`: the real backend, data and training). */
  readonly workerModule?: URL;
  /**
   * Stops the grid when aborted: no run starts after it, runs in flight are abandoned
   * unwritten, and the folder stays resumable (`grid` aborts when its parent process dies).
   */
  readonly signal?: AbortSignal;
}

/**
 * A run ended in a fatal backend error (`ExecutedRun.fatal`) in the grid's own thread: its
 * error row is recorded and the grid stops, since every later run in this process would fail
 * with it. The command exits 1 with this one line; running it again resumes in a fresh process.
 */
export class BackendAborted extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
  /** @param run the run that died, @param options its grid's options, @param fatal its error. */
  constructor(run: PlannedRun, options: GridRunOptions, fatal: string) {
    super(
      `run ${run.runId} (${run.method}, depth ${run.depth}, batch ${run.batchSize}) broke the ` +
        `${options.backend} backend of this process (${fatal.split("\n")[0]}); its error row is ` +
        `recorded and the grid stopped, since later runs here would fail with it. Run the same ` +
        `command again to resume in a fresh process (add --retry-errors to run that row again)`,
    );
    this.name = "BackendAborted";
  }
}

/** What {@link runGrid} did. */
export interface GridRunResult {
  /** Every finished run of the folder (old and new). */
  readonly rows: readonly RunRow[];
  /** Runs done by this call. */
  readonly ran: number;
  /** Runs found already finished. */
  readonly skipped: number;
  /** Whether every planned run (of the shard) is finished. */
  readonly complete: boolean;
  /** Error rows removed to run again (`retryErrors`). */
  readonly retriedErrors: number;
}

/** Runs of `shard` of `grid` (of the whole grid without a shard). */
function shardTotal(grid: GridSpec, shard: ShardSpec | null | undefined): number {
  const all = gridCells(grid);
  return Math.round(totalRuns(grid) * shardCells(all, shard).length / all.length);
}

/** A cell being worked on: its current batch's runs not yet started, and those in flight. */
interface ActiveCell {
  readonly cell: Cell;
  readonly queue: PlannedRun[];
  /** Runs of the cell known so far: rows found in the folder plus every batch planned. */
  planned: number;
  inFlight: number;
}

/**
 * Runs every unfinished run of `grid` (of `options.shard`), appending each to the folder. A
 * run that diverges or throws is recorded as `diverged` / `error` and the grid goes on; a
 * worker that dies stops the grid with its error (the folder stays resumable). The folder
 * is opened with {@link ResultsStore.open}, so a folder of another grid, backend or shard, or
 * one that another process is writing, is refused here as in the CLI.
 *
 * @example
 * ```ts ignore
 * const result = await runGrid({ grid: SMOKE, out: "results/smoke", dataset, runFn: trainRun,
 *   kit, backend: "wasm", versions, workers: 2 });
 * ```
 */
export async function runGrid(options: GridRunOptions): Promise<GridRunResult> {
  const { grid } = options;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers: ${workers} is not allowed; expected an integer >= 1`);
  }
  // No more workers than the grid has runs: each loads its own backend and data set.
  const left = shardTotal(grid, options.shard);
  const store = await ResultsStore.open(options.out, {
    grid,
    backend: options.backend,
    shard: options.shard,
    versions: options.versions,
    hardware: options.hardware,
    retryErrors: options.retryErrors,
    kernels: options.kernels,
  });
  const size = Math.min(workers, Math.max(1, left));
  const pool = size > 1
    ? new WorkerPool(
      size,
      options.workerModule ?? new URL("./grid_worker.ts", import.meta.url),
      {
        grid,
        backend: options.backend,
        threads: options.threads ?? 1,
        kernelMode: options.kernels?.mode ?? undefined,
        fused: options.kernels?.fused,
        versions: options.versions,
      },
    )
    : undefined;
  const execute = (run: PlannedRun): Promise<ExecutedRun> =>
    pool ? pool.run(run) : executeRun(options, run);
  let complete = false;
  let state: { ran: number; skipped: number } = { ran: 0, skipped: 0 };
  try {
    state = await schedule(options, store, pool?.size ?? 1, execute, (c) => complete = c, !pool);
  } finally {
    pool?.close();
    await store.close(complete);
  }
  return { rows: store.rows, ...state, complete, retriedErrors: store.retriedErrors };
}

async function schedule(
  options: GridRunOptions,
  store: ResultsStore,
  workers: number,
  execute: (run: PlannedRun) => Promise<ExecutedRun>,
  setComplete: (complete: boolean) => void,
  stopOnFatal: boolean,
): Promise<{ ran: number; skipped: number }> {
  const { grid } = options;
  const cells = shardCells(gridCells(grid), options.shard);
  // The plan's count is a floor: a search that extends past the grid's edge adds runs, and
  // they join the total when the cell plans them, so done never exceeds total.
  let total = shardTotal(grid, options.shard);
  const perCell = totalRuns(grid) / gridCells(grid).length;
  const plan = (cell: ActiveCell, runs: number) => {
    total += Math.max(0, cell.planned + runs - Math.max(perCell, cell.planned));
    cell.planned += runs;
  };
  const started = performance.now();
  const limit = options.maxRuns ?? Infinity;
  let done = 0;
  let ran = 0;
  let skipped = 0;
  let dispatched = 0;
  let stopped = false;
  let nextCell = 0;
  const active: ActiveCell[] = [];
  const inFlight = new Map<
    number,
    Promise<{ key: number; cell: ActiveCell; run: PlannedRun; out: ExecutedRun }>
  >();
  let key = 0;

  const finished = () => new Map(store.rows.map((r) => [r.runId, r] as const));
  const report = (run: PlannedRun, row: RunRow | undefined, wasSkipped: boolean) =>
    options.onProgress?.({
      done,
      total,
      ranNow: ran,
      elapsedSeconds: (performance.now() - started) / 1000,
      run,
      row,
      skipped: wasSkipped,
      running: inFlight.size,
    });

  /** Starts the next cell that has runs to do; false when none is left. */
  const activate = async (): Promise<boolean> => {
    while (nextCell < cells.length) {
      const cell = cells[nextCell++];
      // Rows found in the folder count as done before this cell's first new run.
      let found = 0;
      for (const row of store.rows) {
        if (
          row.method === cell.method && row.batchSize === cell.batchSize && row.depth === cell.depth
        ) {
          done++;
          skipped++;
          found++;
        }
      }
      const activeCell: ActiveCell = { cell, queue: [], inFlight: 0, planned: 0 };
      plan(activeCell, found);
      const batch = await nextCellRuns(grid, cell, finished());
      if (batch.length > 0) {
        plan(activeCell, batch.length);
        activeCell.queue.push(...batch);
        active.push(activeCell);
        return true;
      }
    }
    return false;
  };

  const signal = options.signal;
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal?.aborted) resolve("aborted");
    signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  while (true) {
    if (signal?.aborted) {
      stopped = true;
      break;
    }
    // Fill the free workers, earliest cell first.
    while (inFlight.size < workers && !stopped) {
      const cell = active.find((c) => c.queue.length > 0);
      if (cell === undefined) {
        if (await activate()) continue;
        break;
      }
      if (dispatched >= limit) {
        stopped = true;
        break;
      }
      const run = cell.queue.shift()!;
      cell.inFlight++;
      dispatched++;
      const k = key++;
      const pending = execute(run).then((out) => ({ key: k, cell, run, out }));
      // A failed pool rejects every run in flight; the race below reports the first.
      pending.catch(() => {});
      inFlight.set(k, pending);
    }
    if (inFlight.size === 0) break;
    const next = await Promise.race([...inFlight.values(), aborted]);
    if (next === "aborted") {
      stopped = true;
      break;
    }
    const { key: k, cell, run, out } = next;
    inFlight.delete(k);
    await store.append(out.row, out.curveRows, out.rateRows);
    done++;
    ran++;
    report(run, out.row, false);
    // In this thread a fatal backend error cannot be left behind with the worker that had
    // it (worker_pool.ts replaces such a worker): stop, and let a fresh process resume.
    if (out.fatal !== undefined && stopOnFatal) throw new BackendAborted(run, options, out.fatal);
    cell.inFlight--;
    if (cell.inFlight === 0 && cell.queue.length === 0) {
      // The batch is finished: ask for the cell's next one before any worker moves on, so
      // with one worker the order is the serial order.
      const next = await nextCellRuns(grid, cell.cell, finished());
      if (next.length > 0) {
        plan(cell, next.length);
        cell.queue.push(...next);
      } else active.splice(active.indexOf(cell), 1);
    }
  }
  setComplete(!stopped && nextCell >= cells.length && active.length === 0);
  return { ran, skipped };
}
