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
import { BACKENDS } from "../backend/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { checkClaims, checkThresholds, parseThresholds } from "./gate.ts";
import { GridSpecError, loadGridFile, sameGrid } from "./grid_spec.ts";
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
  --backend NAME  ${BACKENDS.join(", ")} (default: wasm)
  --max-runs N    stop after N new runs (the folder stays resumable)
  --no-plots      skip the plots at the end

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
  const { values, positionals } = parse(args, {
    preset: { type: "string" },
    grid: { type: "string" },
    out: { type: "string" },
    backend: { type: "string" },
    "max-runs": { type: "string" },
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
  const backend = (values.backend as string | undefined) ?? "wasm";
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new Usage(
      `--backend: "${backend}" is not allowed; expected one of ${BACKENDS.join(", ")}`,
    );
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
  return {
    grid,
    out: (values.out as string | undefined) ?? `results/${grid.name}`,
    backend: backend as BackendName,
    maxRuns,
    plots: !values["no-plots"],
  };
}

async function readMeta(out: string): Promise<Meta | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${out}/${FILES.meta}`)) as Meta;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Usage(
      `${out}/${FILES.meta} is unreadable (${(e as Error).message}); use another --out`,
    );
  }
}

/** `usage` errors and invalid grids become exit code 2 with the message on stderr. */
async function guarded(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Usage || e instanceof GridSpecError) {
      console.error(`error: ${e.message}`);
      return 2;
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
  return guarded(async () => {
    const plan = await resolveGridArgs(args);
    if (plan === "help") {
      console.log(GRID_HELP);
      return 0;
    }
    const { grid, out } = plan;
    const previous = await readMeta(out);
    if (previous && !sameGrid(previous.grid, grid)) {
      throw new Usage(
        `${out} holds results of a different grid ("${previous.grid.name}" with other settings); ` +
          "resume only with the same arguments, or pick another --out",
      );
    }
    if (previous && previous.backend !== plan.backend) {
      throw new Usage(
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
    await useBackend(plan.backend);
    const dataset = await loadGridDataset(grid.dataset);
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
  return guarded(async () => {
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
    let folder;
    try {
      folder = await readResults(dir);
    } catch (e) {
      throw new Usage((e as Error).message);
    }
    const preset = (values.preset as string | undefined) ?? folder.rows[0]?.preset;
    const t = preset === undefined ? undefined : thresholds.presets[preset];
    if (t === undefined) {
      throw new Usage(
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
 * ```ts ignore
 * Deno.exit(await reportMain(["results/smoke"]));
 * ```
 */
export function reportMain(args: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parse(args, {
      "no-plots": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(
        "usage: cli.ts report DIR [--no-plots]\n\nPrints the summary tables and claims of a results folder and draws its plots (SVG and PNG) into it.",
      );
      return 0;
    }
    if (positionals.length !== 1) {
      throw new Usage(`report takes one results folder, got ${positionals.length}`);
    }
    let folder;
    try {
      folder = await readResults(positionals[0]);
    } catch (e) {
      throw new Usage((e as Error).message);
    }
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
