/**
 * The suite's commands: `grid` (run a grid), `gate` (check a results folder against
 * `fixtures/thresholds.json`) and `report` (summary tables and plots of a results folder).
 * Bad arguments print what was wrong and what is allowed and return 2 before any file is
 * touched.
 *
 * @module
 */
import { BACKENDS } from "../backend/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { choiceOption, CliError, intOption, parseCommand } from "../cli/args.ts";
import { asInputError, guard } from "../cli/guard.ts";
import { checkOutDir } from "../cli/out_dir.ts";
import { checkClaims, checkThresholds, parseThresholds } from "./gate.ts";
import { loadGridFile, sameGrid } from "./grid_spec.ts";
import { currentVersions, hardwareInfo } from "./meta.ts";
import type { Meta } from "./meta.ts";
import { RECIPES } from "../methods/recipes.ts";
import { PRESETS } from "./presets.ts";
import { progressLine } from "./progress.ts";
import { drawReport, readResults } from "./report.ts";
import { summarizeCells } from "./select.ts";
import { FILES, writeFileAtomic } from "./store.ts";
import { summaryTables } from "./summary.ts";
import type { GridSpec } from "./types.ts";

/** Default thresholds file of `gate`. */
export const DEFAULT_THRESHOLDS = "fixtures/thresholds.json";

const GRID_HELP = `usage: cli.ts grid [--preset NAME | --grid FILE.json] [options]

Runs every method x batch size x depth x seed (x tuned learning rate) of a grid, appending
to DIR/runs.csv and DIR/curves.csv; a grid stopped at any moment resumes when started again
with the same arguments.

  --preset NAME   ${Object.keys(PRESETS).join(", ")} (default: standard)
  --grid FILE     a JSON grid (the shape of a preset; "extends": "smoke" to start from one)
  --out DIR       results folder (default: results/<grid name>)
  --backend NAME  ${BACKENDS.join(", ")} (default: wasm)
  --max-runs N    stop after N new runs (the folder stays resumable)
  --no-plots      skip the plots at the end
  -h, --help      show this text

methods:
${Object.entries(RECIPES).map(([m, r]) => `  ${m.padEnd(15)} ${r.summary}`).join("\n")}`;

/** What `grid` will do, resolved from its arguments without touching any file. */
interface GridPlan {
  grid: GridSpec;
  out: string;
  backend: BackendName;
  maxRuns?: number;
  plots: boolean;
}

async function resolveGridArgs(args: string[]): Promise<GridPlan | "help"> {
  const parsed = parseCommand({
    name: "grid",
    help: GRID_HELP,
    options: {
      preset: { type: "string" },
      grid: { type: "string" },
      out: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "max-runs": { type: "string" },
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
  const backend: BackendName = choiceOption("backend", values.backend, BACKENDS);
  const maxRuns = values["max-runs"] === undefined
    ? undefined
    : intOption("max-runs", values["max-runs"], 1);
  return {
    grid,
    out: values.out ?? `results/${grid.name}`,
    backend,
    maxRuns,
    plots: !values["no-plots"],
  };
}

async function readMeta(out: string): Promise<Meta | undefined> {
  const path = `${out}/${FILES.meta}`;
  let meta: Partial<Meta>;
  try {
    meta = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new CliError(`${path} is unreadable (${(e as Error).message}); use another --out`, 1);
  }
  // A meta.json of another program, or hand-edited: name the file, not a TypeError.
  const ok = typeof meta === "object" && meta !== null && typeof meta.grid === "object" &&
    meta.grid !== null && typeof meta.backend === "string" && Array.isArray(meta.resumedAt);
  if (!ok) {
    throw new CliError(
      `${path} is not a grid's meta.json (it lacks grid, backend or resumedAt); ` +
        "use another --out or move that folder away",
      1,
    );
  }
  return meta as Meta;
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
 *   const args = ["--grid", `${dir}/grid.json`, "--out", `${dir}/out`, "--backend", "cpu", "--no-plots"];
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
    if (plan === "help") {
      console.log(GRID_HELP);
      return 0;
    }
    const { grid, out } = plan;
    // Before anything loads: a folder this process may not write fails now, with how to run.
    await checkOutDir("grid", "out", out);
    const previous = await readMeta(out);
    if (previous && !sameGrid(previous.grid, grid)) {
      throw new CliError(
        `${out} holds results of a different grid ("${previous.grid.name}" with other settings); ` +
          "resume only with the same arguments, or pick another --out",
      );
    }
    if (previous && previous.backend !== plan.backend) {
      throw new CliError(
        `${out} was started with --backend ${previous.backend}; resume with the same backend ` +
          "or pick another --out",
      );
    }
    // Heavy modules load only now: argument errors above never start tf.js.
    const [{ useBackend }, { loadGridDataset }, { runGrid }, { optimizerKit }, { trainRun }] =
      await Promise.all([
        import("../backend/backend.ts"),
        import("./data.ts"),
        import("./runner.ts"),
        import("../methods/kit.ts"),
        import("../train/run.ts"),
      ]);
    const dataset = await asInputError(() => loadGridDataset(grid.dataset));
    await asInputError(() => useBackend(plan.backend));
    const versions = await currentVersions();
    const now = new Date().toISOString();
    await Deno.mkdir(out, { recursive: true });
    const meta: Meta = {
      grid,
      preset: grid.name,
      backend: plan.backend,
      versions,
      hardware: { ...hardwareInfo(), dataset: dataset.source },
      startedAt: previous?.startedAt ?? now,
      resumedAt: previous ? [...previous.resumedAt, now] : [],
      endedAt: null,
      runs: previous?.runs ?? 0,
    };
    await writeFileAtomic(`${out}/${FILES.meta}`, JSON.stringify(meta, null, 2) + "\n");
    const tty = Deno.stderr.isTerminal();
    const encoder = new TextEncoder();
    console.error(`grid ${grid.name}: ${grid.description}`);
    console.error(
      `data ${dataset.name} (${dataset.train.count} train / ${dataset.test.count} test), backend ${plan.backend}, out ${out}`,
    );
    const result = await runGrid({
      grid,
      out,
      dataset,
      runFn: trainRun,
      kit: optimizerKit,
      backend: plan.backend,
      versions,
      maxRuns: plan.maxRuns,
      onProgress: (p) => {
        const r = p.row;
        const what =
          `${p.run.method} b${p.run.batchSize} d${p.run.depth} s${p.run.seed} lr${p.run.baseLr}` +
          (r
            ? ` ${r.status} acc ${
              Number.isFinite(r.finalTestAccuracy) ? r.finalTestAccuracy.toFixed(3) : "-"
            }`
            : "") +
          (p.skipped ? " (done before)" : "");
        const line = progressLine({ ...p, label: what });
        if (tty) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
        else console.error(line);
      },
    });
    if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
    await writeFileAtomic(
      `${out}/${FILES.meta}`,
      JSON.stringify(
        {
          ...meta,
          endedAt: result.complete ? new Date().toISOString() : null,
          runs: result.rows.length,
        },
        null,
        2,
      ) + "\n",
    );
    const cells = summarizeCells(result.rows);
    console.log(summaryTables(cells));
    for (const c of checkClaims(cells)) {
      console.log(`claim ${c.pass ? "PASS" : "FAIL"} depth ${c.depth}: ${c.claim}: ${c.detail}`);
    }
    console.log(
      `${result.ran} runs done now, ${result.skipped} found done; ` +
        (result.complete ? "grid complete" : "grid incomplete (run again to resume)"),
    );
    if (plan.plots && result.complete) {
      for (const f of await drawReport(out)) console.log(`wrote ${f}`);
    }
    return 0;
  });
}

/** The results of `dir`, or a one-line data error (exit 1) when it holds none. */
async function readFolder(dir: string): Promise<Awaited<ReturnType<typeof readResults>>> {
  const folder = await asInputError(() => readResults(dir));
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
threshold and exits 1 on any failure. The paper's claims are printed as PASS/FAIL lines
but never fail the gate.

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
    let thresholds;
    try {
      thresholds = parseThresholds(JSON.parse(await Deno.readTextFile(path)), path);
    } catch (e) {
      throw new CliError(`--thresholds ${path}: ${(e as Error).message}`, 1);
    }
    const folder = await readFolder(dir);
    const preset = values.preset ?? folder.rows[0].preset;
    const t = preset === undefined ? undefined : thresholds.presets[preset];
    if (t === undefined) {
      throw new CliError(
        `--preset: "${preset}" has no thresholds in ${path}; allowed: ${
          Object.keys(thresholds.presets).join(", ")
        }`,
      );
    }
    const cells = summarizeCells(folder.rows);
    console.log(summaryTables(cells));
    const failures = checkThresholds(cells, t);
    for (const f of failures) console.log(`FAIL ${f.cell}: ${f.message}`);
    for (const c of checkClaims(cells)) {
      console.log(
        `claim ${
          c.pass ? "PASS" : "FAIL"
        } depth ${c.depth}: ${c.claim}: ${c.detail} (reported, not gated)`,
      );
    }
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
      help: "usage: cli.ts report DIR [--no-plots]\n\nPrints the summary tables and claims " +
        "of a results folder and draws its plots (SVG and PNG) into it.\n\n" +
        "  --no-plots      skip the plots\n  -h, --help      show this text",
      options: { "no-plots": { type: "boolean" } },
      positionals: { min: 1, max: 1, what: "one results folder (cli.ts report DIR)" },
    }, args);
    if (parsed === undefined) return 0;
    const { values, positionals } = parsed;
    const folder = await readFolder(positionals[0]);
    const cells = summarizeCells(folder.rows);
    console.log(summaryTables(cells));
    for (const c of checkClaims(cells)) {
      console.log(`claim ${c.pass ? "PASS" : "FAIL"} depth ${c.depth}: ${c.claim}: ${c.detail}`);
    }
    if (!values["no-plots"]) {
      for (const f of await drawReport(positionals[0], folder)) console.log(`wrote ${f}`);
    }
    return 0;
  });
}
