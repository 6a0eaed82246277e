/**
 * Runs of a grid on parallel Deno Web Workers, one run per worker at a time.
 *
 * Why Web Workers and not subprocesses: a worker is a thread of the grid's own process, so
 * `kill -9` of the grid ends every worker with it (no orphan can keep running or writing),
 * and it has the grid's permissions, no more. Each worker loads its own backend and data set
 * once (`init`), then trains the runs it is sent and posts their rows back; only the parent
 * writes the results folder. A run computes the same numbers in any worker: its model, data
 * order and optimizer come from its seed and configuration alone.
 *
 * @module
 */
import type { ExecutedRun, RunContext } from "./execute.ts";
import { executeRun } from "./execute.ts";
import type { Versions } from "./meta.ts";
import type { NativeKernelMode } from "../backend/native_ffi.ts";
import type { GridSpec, PlannedRun } from "./types.ts";

/** What a worker is set up with: enough to load its backend and data set itself. */
export interface WorkerInit {
  /** The grid. */
  readonly grid: GridSpec;
  /** Backend name. */
  readonly backend: string;
  /** Threads the backend may use in this worker: the grid's threads per run. */
  readonly threads: number;
  /** native: the kernel mode of the grid's process (every worker of a process shares it). */
  readonly kernelMode?: NativeKernelMode;
  /** Whether the training kernels are fused (the grid process's setting). */
  readonly fused?: boolean;
  /** Versions written in every row. */
  readonly versions: Versions;
}

type ToWorker = { type: "init"; init: WorkerInit } | { type: "run"; id: number; run: PlannedRun };
type FromWorker =
  | { type: "ready" }
  | { type: "done"; id: number; result: ExecutedRun }
  | { type: "failed"; error: string };

/**
 * The body of a worker module: answers the pool's messages, running each run with the
 * context `setup` builds from the init message (backend, data set, training function).
 *
 * @example
 * ```ts ignore
 * // my_worker.ts
 * serveWorker(async (init) => ({ ...init, dataset, runFn: trainRun, kit: optimizerKit }));
 * ```
 */
export function serveWorker(setup: (init: WorkerInit) => Promise<RunContext>): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
    postMessage(m: FromWorker): void;
  };
  let context: Promise<RunContext> | undefined;
  scope.onmessage = async (e) => {
    const m = e.data;
    try {
      if (m.type === "init") {
        context = setup(m.init);
        await context;
        scope.postMessage({ type: "ready" });
      } else {
        const result = await executeRun(await context!, m.run);
        scope.postMessage({ type: "done", id: m.id, result });
      }
    } catch (err) {
      scope.postMessage({ type: "failed", error: (err as Error).message ?? String(err) });
    }
  };
}

/** A worker failed to start or died; the grid stops (its folder stays resumable). */
export class WorkerFailure extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
  /** @param message what failed. */
  constructor(message: string) {
    super(message);
    this.name = "WorkerFailure";
  }
}

interface Job {
  readonly id: number;
  readonly run: PlannedRun;
  readonly resolve: (r: ExecutedRun) => void;
  readonly reject: (e: Error) => void;
}

/** One worker, whether its setup is done, and the job it runs. */
interface Slot {
  readonly worker: Worker;
  ready: boolean;
  job: Job | undefined;
}

/**
 * A fixed number of workers running runs as they are submitted, first come first served.
 * A worker whose run ended in a fatal backend error (`ExecutedRun.fatal`) is ended and
 * replaced by a fresh one; the run's error row stands. A worker that fails (its setup throws, or it dies) breaks the pool: every run in flight or
 * queued, and every later one, is rejected with that failure, and the grid stops with it
 * (its finished runs stay in the folder; starting it again resumes).
 *
 * @example
 * ```ts ignore
 * const pool = new WorkerPool(4, new URL("./grid_worker.ts", import.meta.url), init);
 * const { row } = await pool.run(plannedRun);
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #next = 0;
  #failure: Error | undefined;

  readonly #module: URL;
  readonly #init: WorkerInit;
  #replaced = 0;

  /** Starts `size` workers of `module`, each set up with `init`. */
  constructor(size: number, module: URL, init: WorkerInit) {
    this.#module = module;
    this.#init = init;
    this.#slots = Array.from({ length: size }, () => this.#start(module, init));
  }

  /** Workers ended after a fatal backend error and replaced by fresh ones. */
  get replaced(): number {
    return this.#replaced;
  }

  #start(module: URL, init: WorkerInit): Slot {
    const slot: Slot = {
      worker: new Worker(module, { type: "module" }),
      ready: false,
      job: undefined,
    };
    slot.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === "ready") {
        slot.ready = true;
      } else if (m.type === "failed") {
        return this.#fail(new WorkerFailure(`a worker failed: ${m.error}`));
      } else if (m.type === "done" && slot.job?.id === m.id) {
        const job = slot.job;
        slot.job = undefined;
        // A fatal backend error (a wasm abort) poisons this worker's backend: end it and let
        // a fresh worker, with a backend of its own, take the next runs.
        if (m.result.fatal !== undefined) this.#replace(slot);
        job.resolve(m.result);
      }
      this.#feed();
    };
    slot.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#fail(new WorkerFailure(`a worker died: ${e.message}`));
    };
    slot.worker.postMessage({ type: "init", init } satisfies ToWorker);
    return slot;
  }

  /** Workers in the pool. */
  get size(): number {
    return this.#slots.length;
  }

  /** Runs `run` on the next free worker; rejects when a worker failed. */
  run(run: PlannedRun): Promise<ExecutedRun> {
    return new Promise<ExecutedRun>((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#queue.push({ id: this.#next++, run, resolve, reject });
      this.#feed();
    });
  }

  #feed(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job !== undefined) continue;
      const job = this.#queue.shift();
      if (job === undefined) return;
      slot.job = job;
      slot.worker.postMessage({ type: "run", id: job.id, run: job.run } satisfies ToWorker);
    }
  }

  #replace(slot: Slot): void {
    slot.worker.onmessage = null;
    slot.worker.onerror = null;
    slot.worker.terminate();
    this.#slots[this.#slots.indexOf(slot)] = this.#start(this.#module, this.#init);
    this.#replaced++;
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const s of this.#slots) {
      s.job?.reject(error);
      s.job = undefined;
    }
    for (const job of this.#queue.splice(0)) job.reject(error);
    this.close();
  }

  /** Ends every worker (runs still in flight are abandoned). */
  close(): void {
    for (const s of this.#slots) s.worker.terminate();
  }
}
