/**
 * The suite's commands: `grid` (run a grid), `gate` (check a results folder against
 * `fixtures/thresholds.json`) and `report` (summary tables and plots of a results folder).
 * Bad arguments print what was wrong and what is allowed and return 2 before any file is
 * touched.
 *
 * @module
 */
import { BACKENDS } from "../backend/backend.ts";
import { defaultBackendWithNote, stopWithBackendAdvice } from "../cli/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { choiceOption, CliError, intOption, parseCommand } from "../cli/args.ts";
import { asInputError, guard, startBackend } from "../cli/guard.ts";
import { checkOutDir } from "../cli/out_dir.ts";
import { describeKernels } from "../backend/kernel_identity.ts";
import { nativeUnpinnedWhy, setNativeKernelMode } from "../backend/native_ffi.ts";
import { checkThresholds } from "./gate.ts";
import { DEFAULT_THRESHOLDS, readThresholdsFile } from "./thresholds_file.ts";
import { loadGridFile } from "./grid_spec.ts";
import { FolderBusyError, FolderLock } from "./lock.ts";
import { currentVersions, hardwareInfo } from "./meta.ts";
import type { ShardSpec } from "./meta.ts";
import { RECIPES } from "../methods/recipes.ts";
import { METHODS } from "../methods/names.ts";
import { VARIANT_OVERRIDES } from "../methods/variants.ts";
import { PRESETS } from "./presets.ts";
import { checkProtocol, readProtocolInput } from "./protocol_check.ts";
import { gridCells } from "./plan.ts";
import { progressLine } from "./progress.ts";
import { parseShard, shardFromEnv } from "./shard.ts";
import { checkFolder, FILES, folderBackend, readResults } from "./store.ts";
import { batchProblem } from "../train/limits.ts";
import { folderStatistics, statisticsText } from "./statistics.ts";
import { writeTables } from "./tables.ts";
import type { GridSpec } from "./types.ts";

/**
 * Native threads per run of a grid unless `--threads` says otherwise. One: the committed
 * results were made at one thread, and OpenBLAS's sums change with the thread count, so a
 * fixed count keeps a folder's numbers independent of `--workers` and of the machine's cores.
 */
export const GRID_THREADS = 1;

const GRID_HELP = `usage: cli.ts grid [--preset NAME | --grid FILE.json] [options]

Runs every method x batch size x depth x seed (x tuned learning rate) of a grid, appending
to DIR/runs.csv and DIR/curves.csv; a grid stopped at any moment resumes when started again
with the same arguments.

  --preset NAME   ${Object.keys(PRESETS).join(", ")} (default: standard)
  --grid FILE     a JSON grid (the shape of a preset; "extends": "smoke" to start from one)
  --out DIR       results folder (default: results/<grid name>)
  --backend NAME  ${BACKENDS.join(", ")} (default: the backend of the folder being resumed,
                  else native where its libraries load, else wasm; a folder resumes only
                  on its own backend)
  --threads N     native kernels' threads per run, in any worker (default ${GRID_THREADS}); part of
                  the folder's identity: the numbers depend on it, never on --workers
  --fast          native: take this processor's best kernels (oneDNN's widest instruction
                  set, OpenBLAS's own core type); default: reproducible kernels (AVX2,
                  OpenBLAS Haswell), the same bits on every x86-64 machine with AVX2
  --unfused       train with the unfused reference kernels (tf.js ops one by one)
                  instead of the fused training kernels; recorded in meta.json
  --max-runs N    stop after N new runs (the folder stays resumable)
  --workers N     runs at a time, each on its own worker thread (default: cores / threads
                  for wasm, cpu and native, 1 for webgpu and tensorflow); changes the wall
                  time only
  --shard K/N     run only the K-th of N parts of the grid, split by cell (default: from
                  SLURM_ARRAY_TASK_ID/_MIN/_MAX/_STEP/_COUNT, or JOB_COMPLETION_INDEX
                  and GRID_SHARD_COUNT; none: the whole grid); merge the parts with \`merge\`
  --retry-errors  run again the runs that ended as error (and their cells' later runs)
  --no-plots      skip the plots at the end
  -h, --help      show this text

methods:
${Object.entries(RECIPES).map(([m, r]) => `  ${m.padEnd(15)} ${r.summary}`).join("\n")}

A grid file's "methods" may also list variants of these, run and reported as methods:
  {"name": "lalc-nofloor", "base": "lalc", "minRatio": 0}; a variant sets
${
  Object.entries(VARIANT_OVERRIDES).map(([k, takers]) =>
    `  ${k.padEnd(17)}(${takers.length === METHODS.length ? "any base" : takers.join(", ")})`
  ).join("\n")
}
"lrCentres" centres a method's rate grid per batch size, "comparisons" sets the rows of
claims.csv, each also tested for equivalence within "equivalenceMargin" where it says
"equivalence": true (docs/suite.md).`;

/** What `grid` will do, resolved from its arguments without touching any file. */
interface GridPlan {
  grid: GridSpec;
  out: string;
  backend: BackendName;
  /** --threads: native threads per run, in any worker. */
  threads: number;
  /** --fast: the native libraries take this processor's best kernels. */
  fast: boolean;
  /** --unfused: the reference path instead of the fused training kernels. */
  unfused: boolean;
  maxRuns?: number;
  plots: boolean;
  workers: number;
  shard: ShardSpec | null;
  retryErrors: boolean;
}

/**
 * Backends whose grids default to a worker per core (per `--threads` cores). wasm and cpu use
 * one thread each. native runs one thread per run by default: whole runs in parallel beat threaded kernels on these models
 * (W1, one run alone: 3,955 samples/s on 1 thread against 3,401 on 2; W2 gained 14% from a second
 * thread where a second worker gives 1.6-1.9x), and the committed standard results were made at
 * one thread, which native needs to re-make them bit for bit.
 */
const WORKER_PER_CORE: readonly string[] = ["wasm", "cpu", "native"];

/** An environment variable, or undefined where it is unset or not allowed. */
function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not granted: the task grants exactly SHARD_ENV
  }
}

async function resolveGridArgs(args: string[]): Promise<GridPlan | "help"> {
  const parsed = parseCommand({
    name: "grid",
    help: GRID_HELP,
    options: {
      preset: { type: "string" },
      grid: { type: "string" },
      out: { type: "string" },
      backend: { type: "string" },
      threads: { type: "string" },
      fast: { type: "boolean" },
      unfused: { type: "boolean" },
      "max-runs": { type: "string" },
      workers: { type: "string" },
      shard: { type: "string" },
      "retry-errors": { type: "boolean" },
      "no-plots": { type: "boolean" },
    },
  }, args);
  if (parsed === undefined) return "help";
  const values = parsed.values;
  if (values.preset !== undefined && values.grid !== undefined) {
    throw new CliError("--preset and --grid exclude each other; give one");
  }
  let grid: GridSpec;
  if (values.grid !== undefined) {
    grid = await loadGridFile(values.grid);
  } else {
    grid = PRESETS[choiceOption("preset", values.preset ?? "standard", Object.keys(PRESETS))];
  }
  const shardOrError = (): ShardSpec | null => {
    try {
      return values.shard !== undefined ? parseShard(values.shard) : shardFromEnv(envVar);
    } catch (e) {
      throw new CliError(
        `${values.shard !== undefined ? "--shard: " : ""}${(e as Error).message}`,
      );
    }
  };
  const shard = shardOrError();
  // A shard without cells would finish at once without a meta.json, and merge would refuse
  // its folder: more shards than cells is a mistake in the split (an array too large).
  const cellCount = gridCells(grid).length;
  if (shard && shard.count > cellCount) {
    throw new CliError(
      `shard ${shard.index}/${shard.count}: grid "${grid.name}" has ${cellCount} cells ` +
        `(method x batch size x depth), so ${shard.count} shards leave some empty; split it ` +
        `into at most ${cellCount}`,
    );
  }
  const name = shard ? `${grid.name}.shard-${shard.index}-of-${shard.count}` : grid.name;
  const out = values.out ?? `results/${name}`;
  // Before the default backend is probed: that opens the native libraries, in this mode.
  const fast = values.fast === true;
  setNativeKernelMode(fast ? "fast" : "reproducible");
  // A resume without --backend keeps the backend its folder was started with; an explicit
  // other one is refused when the folder is opened (store.ts), as it would mix backends.
  const backend: BackendName = choiceOption(
    "backend",
    values.backend ?? await folderBackend(out) ?? await defaultBackendWithNote(),
    BACKENDS,
  );
  const threads = values.threads === undefined
    ? GRID_THREADS
    : intOption("threads", values.threads, 1, 1024);
  const maxRuns = values["max-runs"] === undefined
    ? undefined
    : intOption("max-runs", values["max-runs"], 1);
  const cores = navigator.hardwareConcurrency;
  const workers = values.workers === undefined
    ? (WORKER_PER_CORE.includes(backend) ? Math.max(1, Math.floor(cores / threads)) : 1)
    : intOption("workers", values.workers, 1, 1024);
  return {
    grid,
    out,
    backend,
    threads,
    fast,
    unfused: values.unfused === true,
    maxRuns,
    plots: !values["no-plots"],
    workers,
    shard,
    retryErrors: values["retry-errors"] === true,
  };
}

/**
 * `grid`: runs a grid into its results folder, with a progress line, then prints the
 * summary and the paper's claims and draws the plots.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { gridMain } from "./cli.ts";
 * const dir = await Deno.makeTempDir();
 * const grid = {
 *   extends: "smoke", name: "tiny", methods: ["lalc"], batchSizes: [32], depths: [2], seeds: [1],
 *   dataset: { name: "synthetic", trainSamples: 64, testSamples: 32 }, model: { kind: "mlp", width: 8 },
 *   epochs: 1, lrGrid: { points: 1, factor: 10 }, evalPoints: 1, evalSamples: 32,
 * };
 * await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
 * const [log, error] = [console.log, console.error];
 * console.log = console.error = () => {};
 * try {
 *   const args = ["--grid", `${dir}/grid.json`, "--out", `${dir}/out`, "--backend", "cpu", "--no-plots", "--workers", "1", "--max-runs", "1"];
 *   assertEquals(await gridMain(args), 0);
 * } finally {
 *   [console.log, console.error] = [log, error];
 * }
 * assertEquals((await Deno.readTextFile(`${dir}/out/runs.csv`)).trim().split("\n").length, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function gridMain(args: string[]): Promise<number> {
  return guard("grid", async () => {
    const plan = await resolveGridArgs(args);
    if (plan === "help") return 0; // parseCommand printed it
    const { grid, out } = plan;
    // Before anything loads: a folder this process may not write fails now, with how to run.
    await checkOutDir("grid", "out", out);
    // The folder's identity first: a refused folder never starts tf.js.
    await checkFolder(out, plan);
    // Heavy modules load only now: argument errors above never start tf.js.
    const [
      { backendInfo, useBackend },
      { loadGridDataset },
      { runGrid },
      { optimizerKit },
      { trainRun },
    ] = await Promise.all([
      import("../backend/backend.ts"),
      import("./data.ts"),
      import("./runner.ts"),
      import("../methods/kit.ts"),
      import("../train/run.ts"),
    ]);
    const { threads } = plan;
    // The data first: a bad data folder is reported before a backend starts.
    const dataset = await asInputError(() => loadGridDataset(grid.dataset));
    // The rule `train` applies (src/train/limits.ts), before any run: a batch larger than the
    // training split would otherwise end as an error row for each of its runs.
    const batches = grid.batchSizes
      .map((b, i) => [i, b, batchProblem(b, dataset.train.count, dataset.name)] as const)
      .filter(([, , why]) => why !== undefined);
    if (batches.length > 0) {
      throw new CliError(
        batches.map(([i, b, why]) => `grid.batchSizes[${i}]: ${b} is not allowed; ${why}`)
          .join("; "),
      );
    }
    const kernels = plan.fast ? "fast" : "reproducible";
    await startBackend(() =>
      useBackend(plan.backend, {
        threads,
        kernels,
        fused: !plan.unfused,
        onDeviceError: stopWithBackendAdvice,
      })
    );
    const identity = backendInfo().kernels;
    const versions = await currentVersions();
    const tty = Deno.stderr.isTerminal();
    const encoder = new TextEncoder();
    console.error(`grid ${grid.name}: ${grid.description}`);
    console.error(
      `data ${dataset.name} (${dataset.train.count} train / ${dataset.test.count} test), ` +
        `backend ${plan.backend}, ${plan.workers} worker${plan.workers > 1 ? "s" : ""} x ` +
        `${threads} thread${threads > 1 ? "s" : ""}, ` +
        (plan.shard ? `shard ${plan.shard.index}/${plan.shard.count}, ` : "") + `out ${out}`,
    );
    console.error(`kernels ${describeKernels(identity)}`);
    const unpinned = nativeUnpinnedWhy();
    if (unpinned !== null) {
      console.error(`warning: kernels not reproducible across machines: ${unpinned}`);
    }
    // `deno task grid` runs this process under a wrapper; a wrapper killed with SIGKILL
    // cannot pass the signal on, and this process would train on as an orphan. Its parent
    // changing (the orphan is adopted by init) stops it as a kill would, minus the kill.
    const parentGone = watchParent();
    let result: Awaited<ReturnType<typeof runGrid>>;
    try {
      result = await runGrid({
        signal: parentGone.signal,
        grid,
        out,
        dataset,
        runFn: trainRun,
        kit: optimizerKit,
        backend: plan.backend,
        versions,
        hardware: { ...hardwareInfo(), dataset: dataset.source, workers: plan.workers, threads },
        maxRuns: plan.maxRuns,
        shard: plan.shard,
        retryErrors: plan.retryErrors,
        workers: plan.workers,
        threads,
        kernels: identity,
        onProgress: (p) => {
          const r = p.row;
          const what =
            `${p.run.method} b${p.run.batchSize} d${p.run.depth} s${p.run.seed} lr${p.run.baseLr}` +
            (r
              ? ` ${r.status} val ${
                Number.isFinite(r.valAccuracy) ? r.valAccuracy.toFixed(3) : "-"
              }`
              : "") +
            (p.skipped ? " (done before)" : "") +
            (plan.workers > 1 ? ` [${p.running} running]` : "");
          const line = progressLine({ ...p, label: what });
          if (tty) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
          else console.error(line);
        },
      });
    } finally {
      parentGone.stop();
    }
    if (parentGone.signal.aborted) {
      console.error(
        `grid: its parent process (pid ${parentGone.parent}) is gone; stopped after ` +
          `${result.ran} new runs (runs in flight dropped). Run the same command again to resume`,
      );
      return 1;
    }
    if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
    if (result.retriedErrors > 0) console.log(`${result.retriedErrors} error runs retried`);
    const stats = folderStatistics(result.rows, grid);
    console.log(statisticsText(stats));
    if (result.complete) {
      const { cells, claims, claimOptions } = stats;
      for (const f of await writeTables(out, cells, claims, claimOptions)) {
        console.log(`wrote ${f}`);
      }
    }
    const errors = result.rows.filter((r) => r.status === "error").length;
    console.log(
      `${result.ran} runs done now, ${result.skipped} found done; ` +
        (!result.complete
          ? "grid incomplete (run again to resume)"
          : errors > 0
          ? `grid finished with ${errors} error row${errors > 1 ? "s" : ""} (see the error ` +
            `column of ${out}/${FILES.runs}); to run them again, run the same command with ` +
            `--retry-errors`
          : "grid complete"),
    );
    // Drawn when a plot is missing or older than the results: a resume after a kill during
    // the drawing (nothing left to run) draws them too.
    if (plan.plots && result.complete && !plan.shard) {
      const { drawReport, plotsOutOfDate } = await import("./report.ts");
      if (await plotsOutOfDate(out)) {
        for (const f of await drawReport(out)) console.log(`wrote ${f}`);
      }
    }
    // Error rows are not a finished grid: a script or CI step must not take them as one.
    return result.complete && errors > 0 ? 1 : 0;
  });
}

/** How often {@link watchParent} looks at the parent pid. */
const PARENT_POLL_MS = 1000;

/**
 * Aborts its signal when this process's parent changes (the parent died and the process was
 * adopted); `stop()` ends the watching.
 */
function watchParent(): { signal: AbortSignal; parent: number; stop: () => void } {
  const parent = Deno.ppid;
  const controller = new AbortController();
  const timer = setInterval(() => {
    if (Deno.ppid !== parent) {
      clearInterval(timer);
      controller.abort();
    }
  }, PARENT_POLL_MS);
  return { signal: controller.signal, parent, stop: () => clearInterval(timer) };
}

/** The results of `dir`, or a one-line data error (exit 1) when it holds none. */
async function readFolder(dir: string): Promise<Awaited<ReturnType<typeof readResults>>> {
  const folder = await readResults(dir);
  if (folder.rows.length === 0) {
    throw new CliError(
      `${dir}/${FILES.runs} holds no runs; run \`cli.ts grid --out ${dir}\` first`,
      1,
    );
  }
  return folder;
}

const GATE_HELP = `usage: cli.ts gate DIR [--thresholds FILE] [--preset NAME]

Checks the results in DIR against the floors of FILE (default ${DEFAULT_THRESHOLDS}) for
the preset that produced them; prints each failing cell with its measured value and the
threshold and exits 1 on any failure. The paper's claims are printed with their
verdicts (as in claims.csv: Holm-adjusted p < 0.05 over all claims of DIR) but never fail
the gate.

  --thresholds FILE  the floors (default ${DEFAULT_THRESHOLDS})
  --preset NAME      the preset whose floors apply (default: the one in DIR/runs.csv)
  -h, --help         show this text`;

/**
 * `gate DIR`: exit 0 when every cell of DIR meets its floor, 1 otherwise, 2 on bad input.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { gateMain } from "./cli.ts";
 * const log = console.log;
 * console.log = () => {};
 * try {
 *   assertEquals(await gateMain([new URL("../../results/smoke", import.meta.url).pathname]), 0); // the committed smoke run passes
 * } finally {
 *   console.log = log;
 * }
 * ```
 */
export function gateMain(args: string[]): Promise<number> {
  return guard("gate", async () => {
    const parsed = parseCommand({
      name: "gate",
      help: GATE_HELP,
      options: {
        thresholds: { type: "string", default: DEFAULT_THRESHOLDS },
        preset: { type: "string" },
      },
      positionals: { min: 1, max: 1, what: "one results folder (cli.ts gate DIR)" },
    }, args);
    if (parsed === undefined) return 0;
    const { values, positionals: [dir] } = parsed;
    const path = values.thresholds;
    const thresholds = await readThresholdsFile(path);
    const folder = await readFolder(dir);
    const preset = values.preset ?? folder.rows[0].preset;
    const t = preset === undefined ? undefined : thresholds.presets[preset];
    if (t === undefined) {
      throw new CliError(
        `--preset: "${preset}" has no thresholds in ${path}; allowed: ${
          Object.keys(thresholds.presets).join(", ")
        } (derive them from a finished run: deno task derive-thresholds ${preset} DIR)`,
      );
    }
    const stats = folderStatistics(folder.rows, folder.meta?.grid);
    const cells = stats.cells;
    console.log(statisticsText(stats) + "(claims are reported, not gated)");
    const failures = checkThresholds(cells, t);
    for (const f of failures) console.log(`FAIL ${f.cell}: ${f.message}`);
    console.log(
      failures.length === 0
        ? `gate passed: ${t.cells.length} cells of preset ${preset} meet their floors`
        : `gate failed: ${failures.length} failing checks`,
    );
    return failures.length === 0 ? 0 : 1;
  });
}

/** The lock of `dir` for writing its tables and plots; a folder a running grid holds is
 * refused (exit 1), naming the holder. */
async function lockForReport(dir: string): Promise<FolderLock> {
  try {
    return await FolderLock.acquire(dir);
  } catch (e) {
    if (!(e instanceof FolderBusyError)) throw e;
    throw new CliError(
      `${dir} is being written by another process (${e.holder || "holder unknown"}); ` +
        "report it when that grid has finished (nothing was written)",
      1,
    );
  }
}

/**
 * `report DIR`: prints the summary tables and claims of DIR and draws its plots into it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { reportMain } from "./cli.ts";
 * const log = console.log;
 * let printed = "";
 * console.log = (s: string) => (printed += s + "\n");
 * try {
 *   assertEquals(await reportMain([new URL("../../results/smoke", import.meta.url).pathname, "--no-plots"]), 0);
 * } finally {
 *   console.log = log;
 * }
 * assertEquals(printed.includes("lalc"), true);
 * ```
 */
export function reportMain(args: string[]): Promise<number> {
  return guard("report", async () => {
    const parsed = parseCommand({
      name: "report",
      help: "usage: cli.ts report DIR [--no-plots] [--check-protocol]\n\nPrints the summary " +
        "tables and claims of a results folder, writes its summary.csv and claims.csv and\n" +
        "draws its plots (SVG and PNG) into it. --check-protocol then checks the folder\n" +
        "against docs/protocol.md and exits 1 when a check fails.\n\n" +
        "  --no-plots        skip the plots\n  --check-protocol  check the protocol's conditions\n" +
        "  -h, --help        show this text",
      options: { "no-plots": { type: "boolean" }, "check-protocol": { type: "boolean" } },
      positionals: { min: 1, max: 1, what: "one results folder (cli.ts report DIR)" },
    }, args);
    if (parsed === undefined) return 0;
    const { values, positionals } = parsed;
    const folder = await readFolder(positionals[0]);
    // The folder's lock, as a grid takes it: a grid still writing the folder would get
    // tables and plots of its first runs among its files.
    const lock = await lockForReport(positionals[0]);
    try {
      const { cells, claims, claimOptions } = folderStatistics(folder.rows, folder.meta?.grid);
      console.log(statisticsText({ cells, claims, claimOptions }));
      for (const f of await writeTables(positionals[0], cells, claims, claimOptions)) {
        console.log(`wrote ${f}`);
      }
      if (!values["no-plots"]) {
        const { drawReport } = await import("./report.ts");
        for (const f of await drawReport(positionals[0], folder)) console.log(`wrote ${f}`);
      }
    } finally {
      lock.release();
    }
    if (values["check-protocol"]) {
      const checks = checkProtocol(await readProtocolInput(positionals[0]));
      for (const c of checks) {
        console.log(`protocol ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
      }
      const failed = checks.filter((c) => !c.ok).length;
      console.log(failed ? `protocol check failed: ${failed} checks` : "protocol check passed");
      return failed ? 1 : 0;
    }
    return 0;
  });
}

const MERGE_HELP = `usage: cli.ts merge --out DIR SHARD_DIR... [--no-plots]

Merges the folders of \`grid --shard K/N\` (every K of one N) into DIR, a new or empty
folder: its runs, curves, layer rates, summary and plots are those of one whole run, and
gate and report work on it. Refused, before anything is written, unless every shard ran
the same grid, backend and versions, is finished, and no run appears twice.

  --out DIR       the folder to merge into (required)
  --no-plots      skip the plots
  -h, --help      show this text`;

/**
 * `merge --out DIR SHARD_DIR...`: one results folder from the shards of a grid.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await mergeMain(["--out", "results/all", "results/s1", "results/s2"]));
 * ```
 */
export function mergeMain(args: string[]): Promise<number> {
  return guard("merge", async () => {
    const parsed = parseCommand({
      name: "merge",
      help: MERGE_HELP,
      options: { out: { type: "string" }, "no-plots": { type: "boolean" } },
      positionals: { min: 1, max: Infinity, what: "the shard folders to merge" },
    }, args);
    if (parsed === undefined) return 0;
    const { values, positionals } = parsed;
    const out = values.out;
    if (out === undefined) throw new CliError("--out DIR is required: the folder to merge into");
    await checkOutDir("merge", "out", out);
    const { mergeShards } = await import("./merge.ts");
    const merged = await mergeShards(positionals, out);
    const { cells, claims, claimOptions } = folderStatistics(merged.rows, merged.meta.grid);
    console.log(statisticsText({ cells, claims, claimOptions }));
    for (const f of await writeTables(out, cells, claims, claimOptions)) console.log(`wrote ${f}`);
    console.log(`merged ${positionals.length} shards, ${merged.rows.length} runs, into ${out}`);
    if (!values["no-plots"]) {
      const { drawReport } = await import("./report.ts");
      for (const f of await drawReport(out)) console.log(`wrote ${f}`);
    }
    return 0;
  });
}
