/**
 * The suite's commands: `grid` (run a grid), `gate` (check a results folder against
 * `fixtures/thresholds.json`) and `report` (summary tables and plots of a results folder).
 * Bad arguments print what was wrong and what is allowed and return 2 before any file is
 * touched.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { BACKENDS, defaultBackend } from "../backend/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { claimRows } from "./claims.ts";
import { checkThresholds, parseThresholds } from "./gate.ts";
import { GridSpecError, loadGridFile } from "./grid_spec.ts";
import { FolderBusyError } from "./lock.ts";
import { currentVersions, hardwareInfo } from "./meta.ts";
import type { ShardSpec } from "./meta.ts";
import { RECIPES } from "./methods.ts";
import { PRESETS } from "./presets.ts";
import { checkProtocol, readProtocolInput } from "./protocol_check.ts";
import { progressLine } from "./progress.ts";
import { summarizeCells } from "./select.ts";
import { parseShard, shardFromEnv } from "./shard.ts";
import { checkFolder, readResults, ResultsError } from "./store.ts";
import { claimsTable, summaryTables } from "./summary.ts";
import { writeTables } from "./tables.ts";
import type { GridSpec } from "./types.ts";

/** Default thresholds file of `gate`. */
export const DEFAULT_THRESHOLDS = "fixtures/thresholds.json";

class Usage extends Error {}

function parse(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new Usage((e as Error).message);
  }
}

const GRID_HELP = `usage: cli.ts grid [--preset NAME | --grid FILE.json] [options]

Runs every method x batch size x depth x seed (x tuned learning rate) of a grid, appending
to DIR/runs.csv and DIR/curves.csv; a grid stopped at any moment resumes when started again
with the same arguments.

  --preset NAME   ${Object.keys(PRESETS).join(", ")} (default: standard)
  --grid FILE     a JSON grid (the shape of a preset; "extends": "smoke" to start from one)
  --out DIR       results folder (default: results/<grid name>)
  --backend NAME  ${BACKENDS.join(", ")} (default: native where its libraries load, else
                  wasm)
  --threads N     threads of each worker's native kernels (default: as below)
  --max-runs N    stop after N new runs (the folder stays resumable)
  --workers N     runs at a time, each on its own worker thread (default: the number of
                  cores for wasm and cpu, 1 for webgpu and tensorflow); the backend gets
                  max(1, floor(cores / N)) threads per worker
  --shard K/N     run only the K-th of N parts of the grid, split by cell (default: from
                  SLURM_ARRAY_TASK_ID/_COUNT/_MIN, or JOB_COMPLETION_INDEX and
                  GRID_SHARD_COUNT; none: the whole grid); merge the parts with \`merge\`
  --retry-errors  run again the runs that ended as error (and their cells' later runs)
  --no-plots      skip the plots at the end

methods:
${Object.entries(RECIPES).map(([m, r]) => `  ${m.padEnd(15)} ${r.summary}`).join("\n")}`;

/** What `grid` will do, resolved from its arguments without touching any file. */
interface GridPlan {
  grid: GridSpec;
  out: string;
  backend: BackendName;
  /** --threads: each worker's native threads (default: the worker's share of the cores). */
  threads?: number;
  maxRuns?: number;
  plots: boolean;
  workers: number;
  shard: ShardSpec | null;
  retryErrors: boolean;
}

/** Backends that use one thread each, so a worker per core fills the machine. */
const SINGLE_THREADED: readonly string[] = ["wasm", "cpu"];

/** An environment variable, or undefined where it is unset or not allowed. */
function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not granted: the task grants exactly SHARD_ENV
  }
}

async function resolveGridArgs(args: string[]): Promise<GridPlan | "help"> {
  const { values, positionals } = parse(args, {
    preset: { type: "string" },
    grid: { type: "string" },
    out: { type: "string" },
    backend: { type: "string" },
    threads: { type: "string" },
    "max-runs": { type: "string" },
    workers: { type: "string" },
    shard: { type: "string" },
    "retry-errors": { type: "boolean" },
    "no-plots": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  if (positionals.length > 0) throw new Usage(`unexpected argument "${positionals[0]}"`);
  if (values.preset !== undefined && values.grid !== undefined) {
    throw new Usage("--preset and --grid exclude each other; give one");
  }
  let grid: GridSpec;
  if (values.grid !== undefined) {
    grid = await loadGridFile(values.grid as string);
  } else {
    const name = (values.preset as string | undefined) ?? "standard";
    if (!(name in PRESETS)) {
      throw new Usage(
        `--preset: "${name}" is not allowed; expected one of ${Object.keys(PRESETS).join(", ")}`,
      );
    }
    grid = PRESETS[name];
  }
  const backend = (values.backend as string | undefined) ?? await defaultBackend();
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new Usage(
      `--backend: "${backend}" is not allowed; expected one of ${BACKENDS.join(", ")}`,
    );
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
      throw new Usage(
        `--threads: "${values.threads}" is not allowed; expected an integer from 1 to 1024`,
      );
    }
  }
  let maxRuns: number | undefined;
  if (values["max-runs"] !== undefined) {
    maxRuns = Number(values["max-runs"]);
    if (!Number.isInteger(maxRuns) || maxRuns < 1) {
      throw new Usage(
        `--max-runs: "${values["max-runs"]}" is not allowed; expected an integer >= 1`,
      );
    }
  }
  const cores = navigator.hardwareConcurrency;
  let workers = SINGLE_THREADED.includes(backend) ? cores : 1;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
      throw new Usage(
        `--workers: "${values.workers}" is not allowed; expected an integer from 1 to 1024`,
      );
    }
  }
  let shard: ShardSpec | null;
  try {
    shard = values.shard !== undefined ? parseShard(values.shard as string) : shardFromEnv(envVar);
  } catch (e) {
    throw new Usage(
      `${values.shard !== undefined ? "--shard: " : ""}${(e as Error).message}`,
    );
  }
  const name = shard ? `${grid.name}.shard-${shard.index}-of-${shard.count}` : grid.name;
  return {
    grid,
    out: (values.out as string | undefined) ?? `results/${name}`,
    backend: backend as BackendName,
    threads,
    maxRuns,
    plots: !values["no-plots"],
    workers,
    shard,
    retryErrors: values["retry-errors"] === true,
  };
}

/** `usage` errors and invalid grids become exit code 2, results-folder errors exit code 1,
 * each one line on stderr. */
async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Usage || e instanceof GridSpecError) {
      console.error(`${command}: ${e.message}`);
      return 2;
    }
    // WorkerFailure by name: importing worker_pool.ts here would load tf.js for gate too.
    if (
      e instanceof ResultsError || e instanceof FolderBusyError ||
      (e instanceof Error && e.name === "WorkerFailure")
    ) {
      console.error(`${command}: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

/**
 * `grid`: runs a grid into its results folder, with a progress line, then prints the
 * summary and the paper's claims and draws the plots.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await gridMain(["--preset", "smoke", "--out", "results/smoke"]));
 * ```
 */
export function gridMain(args: string[]): Promise<number> {
  return guarded("grid", async () => {
    const plan = await resolveGridArgs(args);
    if (plan === "help") {
      console.log(GRID_HELP);
      return 0;
    }
    const { grid, out } = plan;
    // The folder's identity first: a refused folder never starts tf.js.
    await checkFolder(out, plan);
    // Heavy modules load only now: argument errors above never start tf.js.
    const [{ useBackend }, { loadGridDataset }, { runGrid }, { optimizerKit }, { trainRun }] =
      await Promise.all([
        import("../backend/backend.ts"),
        import("./data.ts"),
        import("./runner.ts"),
        import("./kit.ts"),
        import("../train/run.ts"),
      ]);
    // workers x threads <= cores: each worker's backend gets its share of the cores.
    const threads = plan.threads ??
      Math.max(1, Math.floor(navigator.hardwareConcurrency / plan.workers));
    await useBackend(plan.backend, { threads: plan.workers > 1 ? 1 : threads });
    const dataset = await loadGridDataset(grid.dataset);
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
    const result = await runGrid({
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
      onProgress: (p) => {
        const r = p.row;
        const what =
          `${p.run.method} b${p.run.batchSize} d${p.run.depth} s${p.run.seed} lr${p.run.baseLr}` +
          (r
            ? ` ${r.status} val ${Number.isFinite(r.valAccuracy) ? r.valAccuracy.toFixed(3) : "-"}`
            : "") +
          (p.skipped ? " (done before)" : "") +
          (plan.workers > 1 ? ` [${p.running} running]` : "");
        const line = progressLine({ ...p, label: what });
        if (tty) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
        else console.error(line);
      },
    });
    if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
    if (result.retriedErrors > 0) console.log(`${result.retriedErrors} error runs retried`);
    const cells = summarizeCells(result.rows);
    const claims = claimRows(cells);
    console.log(summaryTables(cells));
    console.log(claimsTable(claims));
    if (result.complete) {
      for (const f of await writeTables(out, cells, claims)) console.log(`wrote ${f}`);
    }
    console.log(
      `${result.ran} runs done now, ${result.skipped} found done; ` +
        (result.complete ? "grid complete" : "grid incomplete (run again to resume)"),
    );
    if (plan.plots && result.complete && result.ran > 0 && !plan.shard) {
      const { drawReport } = await import("./report.ts");
      for (const f of await drawReport(out)) console.log(`wrote ${f}`);
    }
    return 0;
  });
}

const GATE_HELP = `usage: cli.ts gate DIR [--thresholds FILE] [--preset NAME]

Checks the results in DIR against the floors of FILE (default ${DEFAULT_THRESHOLDS}) for
the preset that produced them; prints each failing cell with its measured value and the
threshold and exits 1 on any failure. The paper's claims are printed as PASS/FAIL lines
but never fail the gate.`;

/**
 * `gate DIR`: exit 0 when every cell of DIR meets its floor, 1 otherwise, 2 on bad input.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await gateMain(["results/smoke"]));
 * ```
 */
export function gateMain(args: string[]): Promise<number> {
  return guarded("gate", async () => {
    const { values, positionals } = parse(args, {
      thresholds: { type: "string" },
      preset: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(GATE_HELP);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new Usage(`gate takes one results folder, got ${positionals.length}\n${GATE_HELP}`);
    }
    const dir = positionals[0];
    const path = (values.thresholds as string | undefined) ?? DEFAULT_THRESHOLDS;
    let thresholds;
    try {
      thresholds = parseThresholds(JSON.parse(await Deno.readTextFile(path)), path);
    } catch (e) {
      throw new Usage(`--thresholds ${path}: ${(e as Error).message}`);
    }
    const folder = await readResults(dir);
    const preset = (values.preset as string | undefined) ?? folder.rows[0]?.preset;
    const t = preset === undefined ? undefined : thresholds.presets[preset];
    if (t === undefined) {
      throw new Usage(
        `--preset: "${preset}" has no thresholds in ${path}; allowed: ${
          Object.keys(thresholds.presets).join(", ")
        } (derive them from a finished run: deno task derive-thresholds ${preset} DIR)`,
      );
    }
    const cells = summarizeCells(folder.rows);
    console.log(summaryTables(cells));
    console.log(claimsTable(claimRows(cells)) + "(claims are reported, not gated)");
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

/**
 * `report DIR`: prints the summary tables and claims of DIR and draws its plots into it.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await reportMain(["results/smoke"]));
 * ```
 */
export function reportMain(args: string[]): Promise<number> {
  return guarded("report", async () => {
    const { values, positionals } = parse(args, {
      "no-plots": { type: "boolean" },
      "check-protocol": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(
        "usage: cli.ts report DIR [--no-plots] [--check-protocol]\n\nPrints the summary tables and claims of a results folder, writes its summary.csv and\nclaims.csv and draws its plots (SVG and PNG) into it. --check-protocol then checks the\nfolder against docs/protocol.md and exits 1 when a check fails.",
      );
      return 0;
    }
    if (positionals.length !== 1) {
      throw new Usage(`report takes one results folder, got ${positionals.length}`);
    }
    const folder = await readResults(positionals[0]);
    const cells = summarizeCells(folder.rows);
    const claims = claimRows(cells);
    console.log(summaryTables(cells));
    console.log(claimsTable(claims));
    for (const f of await writeTables(positionals[0], cells, claims)) console.log(`wrote ${f}`);
    if (!values["no-plots"]) {
      const { drawReport } = await import("./report.ts");
      for (const f of await drawReport(positionals[0], folder)) console.log(`wrote ${f}`);
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
the same grid, backend and versions, is finished, and no run appears twice.`;

/**
 * `merge --out DIR SHARD_DIR...`: one results folder from the shards of a grid.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await mergeMain(["--out", "results/all", "results/s1", "results/s2"]));
 * ```
 */
export function mergeMain(args: string[]): Promise<number> {
  return guarded("merge", async () => {
    const { values, positionals } = parse(args, {
      out: { type: "string" },
      "no-plots": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(MERGE_HELP);
      return 0;
    }
    const out = values.out as string | undefined;
    if (out === undefined || out === "") {
      throw new Usage("--out DIR is required: the folder to merge into");
    }
    if (positionals.length === 0) throw new Usage("give the shard folders to merge");
    const { mergeShards } = await import("./merge.ts");
    const merged = await mergeShards(positionals, out);
    const cells = summarizeCells(merged.rows);
    const claims = claimRows(cells);
    console.log(summaryTables(cells));
    console.log(claimsTable(claims));
    for (const f of await writeTables(out, cells, claims)) console.log(`wrote ${f}`);
    console.log(`merged ${positionals.length} shards, ${merged.rows.length} runs, into ${out}`);
    if (!values["no-plots"]) {
      const { drawReport } = await import("./report.ts");
      for (const f of await drawReport(out)) console.log(`wrote ${f}`);
    }
    return 0;
  });
}
