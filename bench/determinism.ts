/**
 * Is a backend deterministic? Runs the same small grid in two separate `deno task grid`
 * processes and compares their `runs.csv` cell by cell: across processes (same arguments
 * twice), across thread counts (`--threads 1` against each other count) and across grid
 * worker counts (`--workers 1` against each other count). A comparison whose flag or backend
 * `grid --help` does not offer yet is skipped with a line saying so, so the same command
 * measures native kernels and parallel grids the day they exist.
 *
 * The children run through `deno task grid`, with the task's own permissions, into
 * `results/.determinism/<pid>/` (removed afterwards). The largest |diff| per metric over all runs
 * is the measured run-to-run spread that fixtures/reproducibility.json's tolerance of a
 * non-deterministic backend comes from.
 *
 * Usage: deno run --allow-read --allow-write=results --allow-run=deno bench/determinism.ts
 *   [--backends wasm,cpu] [--threads 1,2] [--workers 1,2] [--methods lalc,lamb]
 *   [--depths 2,8] [--batch 512]
 * (`--threads 1` alone: no threads comparison, and workers are compared at 1 thread each.)
 *
 * @module
 */
import { guard } from "../src/cli/guard.ts";
import { intOption, listOption, parseCommand } from "../src/cli/args.ts";
import { parseCsv } from "../src/output/csv.ts";
import { BIT_EXACT, compareRun, CONFIG_COLUMNS } from "../src/suite/drift.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** Where the children write (under results/, the only place `deno task grid` may write). */
export const SCRATCH = "results/.determinism";

/** The small grid both processes run: a slice of the smoke preset. */
export interface SliceOptions {
  /** Methods (default: all five of smoke). */
  readonly methods?: readonly string[];
  /** Depths (default smoke's 2 and 8). */
  readonly depths?: readonly number[];
  /** Batch sizes (default [512]). */
  readonly batchSizes?: readonly number[];
  /** Epochs (default smoke's 3). */
  readonly epochs?: number;
  /** Learning rates per cell (default smoke's 3). */
  readonly lrPoints?: number;
}

/** One side of a comparison: extra `grid` arguments. */
export interface Variant {
  /** Shown in the table, e.g. `threads 2`. */
  readonly label: string;
  /** Extra `grid` arguments, e.g. `["--threads", "2"]`. */
  readonly args: readonly string[];
}

/** What two runs.csv files of the same grid have in common. */
export interface FolderComparison {
  /** Run ids in both. */
  readonly runs: number;
  /** Runs whose every compared cell is the same text. */
  readonly identical: number;
  /** Largest |diff| per metric column over all runs (0 where always identical). */
  readonly maxAbsDiff: Readonly<Record<string, number>>;
  /** Metric columns whose text differed in some run without a numeric |diff| (e.g. status). */
  readonly textDiffers: readonly string[];
}

/**
 * Compares two `runs.csv` texts of the same grid, matching rows by `run_id`.
 *
 * @example
 * ```ts
 * import { compareRunsCsv } from "./determinism.ts";
 * const a = "run_id,final_test_accuracy,wall_seconds\nr1,0.81,1\n";
 * const b = "run_id,final_test_accuracy,wall_seconds\nr1,0.8125,2\n";
 * const c = compareRunsCsv(a, b);
 * if (c.identical !== 0 || Math.abs(c.maxAbsDiff.final_test_accuracy - 0.0025) > 1e-12) {
 *   throw new Error(JSON.stringify(c));
 * }
 * ```
 */
export function compareRunsCsv(a: string, b: string): FolderComparison {
  const right = new Map(parseCsv(b).map((r) => [r.run_id, r] as const));
  let runs = 0;
  let identical = 0;
  const maxAbsDiff: Record<string, number> = {};
  const textDiffers = new Set<string>();
  for (const row of parseCsv(a)) {
    const other = right.get(row.run_id);
    if (other === undefined) continue;
    runs++;
    const drift = compareRun(row.run_id, row, other, BIT_EXACT);
    if (drift.every((d) => d.withinTolerance)) identical++;
    for (const d of drift) {
      if (CONFIG_COLUMNS.has(d.column)) continue;
      if (Number.isNaN(d.absDiff)) {
        if (!d.withinTolerance) textDiffers.add(d.column);
        continue;
      }
      maxAbsDiff[d.column] = Math.max(maxAbsDiff[d.column] ?? 0, d.absDiff);
    }
  }
  return { runs, identical, maxAbsDiff, textDiffers: [...textDiffers] };
}

/** `deno task grid --help`'s text (what flags and backends the grid offers today). */
export async function gridHelp(): Promise<string> {
  const out = await new Deno.Command("deno", {
    args: ["task", "-q", "grid", "--help"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Runs the slice grid on `backend` with `variant`'s arguments into `out`; its runs.csv. */
export async function runSlice(
  gridFile: string,
  out: string,
  backend: string,
  variant: Variant,
): Promise<string> {
  const child = await new Deno.Command("deno", {
    args: [
      "task",
      "-q",
      "grid",
      "--grid",
      gridFile,
      "--out",
      out,
      "--backend",
      backend,
      "--no-plots",
      ...variant.args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (child.code !== 0) {
    throw new Error(
      `grid on ${backend} (${variant.label}) exited ${child.code}: ` +
        new TextDecoder().decode(child.stderr).trim().split("\n").slice(-3).join(" | "),
    );
  }
  return await Deno.readTextFile(`${ROOT}/${out}/runs.csv`);
}

/** One line of the determinism table. */
export interface DeterminismRow {
  /** Backend. */
  readonly backend: string;
  /** What was compared, e.g. `2 processes`, `threads 1 vs 2`. */
  readonly compared: string;
  /** The comparison, or why it was skipped. */
  readonly result: FolderComparison | { readonly skipped: string };
}

/** What {@link measureDeterminism} compares. */
export interface DeterminismOptions extends SliceOptions {
  /** Backends (default wasm, cpu). */
  readonly backends?: readonly string[];
  /** Thread counts: 1 against each other one (default [1, 2]). */
  readonly threads?: readonly number[];
  /** Grid worker counts: 1 against each other one (default [1, 2]). */
  readonly workers?: readonly number[];
  /** Compare two processes with the same arguments (default true). */
  readonly processes?: boolean;
}

/**
 * Measures, per backend: two processes with the same arguments, then threads and workers
 * where `grid` offers them.
 */
export async function measureDeterminism(
  options: DeterminismOptions = {},
): Promise<DeterminismRow[]> {
  const help = await gridHelp();
  const backendLine = help.split("\n").find((l) => l.trim().startsWith("--backend")) ?? "";
  const slice = {
    extends: "smoke",
    name: "determinism",
    description: "bench/determinism.ts: a slice of the smoke preset, run twice",
    ...(options.methods ? { methods: options.methods } : {}),
    depths: options.depths ?? [2, 8],
    batchSizes: options.batchSizes ?? [512],
    ...(options.epochs ? { epochs: options.epochs } : {}),
    ...(options.lrPoints ? { lrGrid: { points: options.lrPoints } } : {}),
  };
  // One folder per process, so two measurements (a test and the tool) never share one.
  const scratch = `${SCRATCH}/${Deno.pid}`;
  await Deno.mkdir(`${ROOT}/${scratch}`, { recursive: true });
  const gridFile = `${scratch}/grid.json`;
  await Deno.writeTextFile(`${ROOT}/${gridFile}`, JSON.stringify(slice));
  const rows: DeterminismRow[] = [];
  let n = 0;
  const pair = async (backend: string, a: Variant, b: Variant): Promise<FolderComparison> => {
    const left = await runSlice(gridFile, `${scratch}/${n++}`, backend, a);
    const right = await runSlice(gridFile, `${scratch}/${n++}`, backend, b);
    return compareRunsCsv(left, right);
  };
  const axes: [string, string, readonly number[]][] = [
    ["threads", "--threads", options.threads ?? [1, 2]],
    ["workers", "--workers", options.workers ?? [1, 2]],
  ];
  try {
    for (const backend of options.backends ?? ["wasm", "cpu"]) {
      if (!backendLine.includes(backend)) {
        rows.push({
          backend,
          compared: "any",
          result: { skipped: `grid --help lists no backend "${backend}" yet` },
        });
        continue;
      }
      const plain = { label: "default", args: [] };
      if (options.processes ?? true) {
        rows.push({ backend, compared: "2 processes", result: await pair(backend, plain, plain) });
      }
      for (const [axis, flag, counts] of axes) {
        const [base, ...others] = counts; // a single count: nothing to compare on this axis
        for (const other of others) {
          const compared = `${axis} ${base} vs ${other}`;
          if (!help.includes(flag)) {
            rows.push({
              backend,
              compared,
              result: { skipped: `grid has no ${flag} flag yet` },
            });
            continue;
          }
          // Workers split the cores into per-worker threads: pin the threads (where grid has
          // the flag) so the workers axis measures scheduling, not the thread count.
          const pin = axis === "workers" && help.includes("--threads")
            ? ["--threads", String((options.threads ?? [1])[0])]
            : [];
          const result = await pair(
            backend,
            { label: `${axis} ${base}`, args: [flag, String(base), ...pin] },
            { label: `${axis} ${other}`, args: [flag, String(other), ...pin] },
          );
          rows.push({ backend, compared, result });
        }
      }
    }
  } finally {
    await Deno.remove(`${ROOT}/${scratch}`, { recursive: true });
    await Deno.remove(`${ROOT}/${SCRATCH}`).catch(() => {}); // only when no one else uses it
  }
  return rows;
}

/** The rows as a Markdown table (the one in docs/reproducibility.md). */
export function determinismTable(rows: readonly DeterminismRow[]): string {
  const lines = [
    "| backend | compared | runs | bit-identical | max abs diff (test acc / train loss / grad norm) |",
    "| ------- | -------- | ---: | ------------: | ----------------------------------------------- |",
  ];
  for (const r of rows) {
    if ("skipped" in r.result) {
      lines.push(`| ${r.backend} | ${r.compared} | - | - | skipped: ${r.result.skipped} |`);
      continue;
    }
    const { runs, identical, maxAbsDiff, textDiffers } = r.result;
    const d = (c: string) => {
      const x = maxAbsDiff[c] ?? 0;
      return x === 0 ? "0" : x.toPrecision(2);
    };
    const text = textDiffers.length > 0 ? `; also differ: ${textDiffers.join(", ")}` : "";
    lines.push(
      `| ${r.backend} | ${r.compared} | ${runs} | ${identical} | ` +
        `${d("final_test_accuracy")} / ${d("final_train_loss")} / ${d("max_grad_norm")}${text} |`,
    );
  }
  return lines.join("\n");
}

const HELP = `usage: determinism.ts [--backends A,B] [--threads 1,N] [--workers 1,N] [options]

Runs the same small grid in separate grid processes and compares their runs.csv cell by cell.

  --backends A,B   backends to measure (default: every one that starts)
  --threads 1,N    thread counts; the first is the base the others are compared with
  --workers 1,N    grid worker counts; the first is the base
  --methods A,B    methods of the grid (default: every method)
  --depths A,B     depths (default 2,8)
  --batch A,B      batch sizes (default 512)
  -h, --help       show this text`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommand({
    name: "determinism",
    help: HELP,
    options: {
      backends: { type: "string" },
      threads: { type: "string" },
      workers: { type: "string" },
      methods: { type: "string" },
      depths: { type: "string" },
      batch: { type: "string" },
    },
  }, args);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const text = (_: string, item: string) => item;
  const list = (name: string, value: string | undefined) =>
    value === undefined ? undefined : listOption(name, value, text);
  const ints = (name: string, value: string | undefined) =>
    value === undefined ? undefined : listOption(name, value, (n, s) => intOption(n, s, 1));
  const start = performance.now();
  const rows = await measureDeterminism({
    backends: list("backends", values.backends),
    threads: ints("threads", values.threads),
    workers: ints("workers", values.workers),
    methods: list("methods", values.methods),
    depths: ints("depths", values.depths),
    batchSizes: ints("batch", values.batch),
  });
  console.log(determinismTable(rows));
  // Every column's largest |diff|: what a tolerance in fixtures/reproducibility.json is set from.
  for (const r of rows) {
    if (!("skipped" in r.result)) {
      console.log(`${r.backend} ${r.compared}: ${JSON.stringify(r.result.maxAbsDiff)}`);
    }
  }
  console.log(`(${((performance.now() - start) / 1000).toFixed(0)} s)`);
  return 0;
}

if (import.meta.main) Deno.exit(await guard("determinism", () => main(Deno.args)));
