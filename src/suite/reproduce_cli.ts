/**
 * `reproduce DIR`: re-runs chosen rows of a results folder on this machine and writes a
 * drift CSV of committed against reproduced values; exit 0 when every compared cell agrees
 * within the backend's tolerance, 1 on drift or an unreadable folder, 2 on bad arguments.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { choiceOption, CliError, intOption, numberOption, parseCommand } from "../cli/args.ts";
import { guard } from "../cli/guard.ts";
import { checkOutFile } from "../cli/out_dir.ts";
import { BACKENDS } from "../backend/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { describeDrift, driftCsv } from "./drift.ts";
import { describeKernels } from "../backend/kernel_identity.ts";
import {
  chooseRecords,
  driftCause,
  readCommitted,
  ReproduceError,
  reproduceFolder,
} from "./reproduce.ts";
import { writeFileAtomic } from "../output/atomic.ts";

const HELP = `usage: cli.ts reproduce DIR [--runs N | --run-ids ID,ID] [options]

Re-runs rows of the results folder DIR with the grid and backend its meta.json records,
through the grid's own code, and compares every metric column with the committed row.

  --runs N         re-run N rows spread evenly over runs.csv (default 5; "all" for every row)
  --run-ids A,B    re-run exactly these run ids
  --out FILE       drift CSV (default results/reproduce/<name of DIR>.csv)
  --backend NAME   ${BACKENDS.join(", ")} (default: the folder's)
  --threads N      native kernels' threads (default: the folder's when recorded, else the
                   backend's default; a different count may move native's sums)
  --fast           native: this processor's best kernels (default: the folder's kernel mode,
                   reproducible for folders that record none)
  --tolerance X    allowed |committed - reproduced| (default from
                   fixtures/reproducibility.json: bit-exact when the same kernels run as
                   made the folder, else the measured across-kernels tolerance)

Exit status: 0 every cell within tolerance, 1 drift (or an unreadable folder), 2 bad arguments.`;

interface Plan {
  dir: string;
  runs?: number;
  runIds?: string[];
  out: string;
  backend?: BackendName;
  threads?: number;
  fast: boolean;
  tolerance?: number;
}

function resolve(args: string[]): Plan | "help" {
  const parsed = parseCommand({
    name: "reproduce",
    help: HELP,
    options: {
      runs: { type: "string" },
      "run-ids": { type: "string" },
      out: { type: "string" },
      backend: { type: "string" },
      threads: { type: "string" },
      fast: { type: "boolean" },
      tolerance: { type: "string" },
    },
    positionals: { min: 1, max: 1, what: "one results folder (cli.ts reproduce DIR)" },
  }, args);
  if (parsed === undefined) return "help";
  const { values, positionals } = parsed;
  const dir = positionals[0].replace(/\/+$/, "");
  if (values.runs !== undefined && values["run-ids"] !== undefined) {
    throw new CliError("--runs and --run-ids exclude each other; give one of them");
  }
  let runs: number | undefined;
  if (values.runs !== undefined) {
    if (values.runs === "all") runs = Infinity;
    else {
      const n = Number(values.runs);
      if (!/^\d+$/.test(values.runs.trim()) || !Number.isSafeInteger(n) || n < 1) {
        throw new CliError(
          `--runs: "${values.runs}" is not allowed; expected an integer >= 1 or all`,
        );
      }
      runs = n;
    }
  }
  let runIds: string[] | undefined;
  if (values["run-ids"] !== undefined) {
    runIds = values["run-ids"].split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (runIds.length === 0) {
      throw new CliError(`--run-ids: "${values["run-ids"]}" names no run; expected ID,ID,...`);
    }
  }
  return {
    dir,
    runs,
    runIds,
    out: values.out ?? `results/reproduce/${basename(dir)}.csv`,
    backend: values.backend === undefined
      ? undefined
      : choiceOption("backend", values.backend, BACKENDS),
    threads: values.threads === undefined
      ? undefined
      : intOption("threads", values.threads, 1, 1024),
    fast: values.fast === true,
    tolerance: values.tolerance === undefined
      ? undefined
      : numberOption("tolerance", values.tolerance, 0),
  };
}

/**
 * `reproduce DIR`: prints one line per re-run run, each mismatch (run id, column, committed
 * and reproduced value) and a summary, and writes the drift CSV.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await reproduceMain(["results/smoke", "--runs", "12"]));
 * ```
 */
export function reproduceMain(args: string[]): Promise<number> {
  return guard("reproduce", async () => {
    const plan = resolve(args);
    if (plan === "help") return 0;
    // The drift CSV's path is checked before anything is trained: a folder there, or a
    // path this process may not write, fails now and not after every run.
    await checkOutFile("reproduce", "out", plan.out);
    const folder = await readCommitted(plan.dir);
    try {
      chooseRecords(folder.records, plan); // an unknown --run-ids is a usage error
    } catch (e) {
      if (!(e instanceof ReproduceError)) throw e;
      throw new CliError(`--run-ids: ${e.message}`);
    }
    const backend = plan.backend ?? folder.backend;
    console.error(
      `reproduce ${plan.dir}: grid ${folder.grid.name}, committed on ` +
        `${describeKernels(folder.kernels)} at ` +
        `${folder.versions?.gitCommit?.slice(0, 7) ?? "unknown"}; re-running on ${backend}`,
    );
    const report = await reproduceFolder({
      dir: plan.dir,
      runs: plan.runs,
      runIds: plan.runIds,
      backend: backend as BackendName,
      threads: plan.threads,
      ...(plan.fast ? { kernels: "fast" as const } : {}),
      ...(plan.tolerance === undefined ? {} : { tolerance: { absolute: plan.tolerance } }),
      onRun: (done, total, run, drift) => {
        const bad = drift.filter((d) => !d.withinTolerance);
        console.error(
          `${done}/${total} ${run.runId} ${run.method} b${run.batchSize} d${run.depth} ` +
            `s${run.seed} lr${run.baseLr}: ${bad.length === 0 ? "same" : `${bad.length} drifted`}`,
        );
      },
    });
    const { committed, current } = report.versions;
    if (committed && (committed.deno !== current.deno || committed.tfjs !== current.tfjs)) {
      console.log(
        `note: committed with deno ${committed.deno} / tf.js ${committed.tfjs}, re-run with ` +
          `deno ${current.deno} / tf.js ${current.tfjs}`,
      );
    }
    const { comparison } = report;
    console.log(
      comparison.sameKernels
        ? `kernels: the same as the folder's (${comparison.current})`
        : `kernels: the folder's ${comparison.committed}; now ${comparison.current}`,
    );
    console.log(`tolerance: ${comparison.source} (${comparison.measured})`);
    for (const d of report.mismatches) console.log(`DRIFT ${describeDrift(d)}`);
    if (report.mismatches.length > 0) console.log(`cause: ${driftCause(comparison)}`);
    await Deno.mkdir(dirname(plan.out), { recursive: true });
    await writeFileAtomic(plan.out, driftCsv(report.rows));
    const n = report.runIds.length;
    console.log(
      report.driftedRuns.length === 0
        ? `reproduce passed: ${n} of ${n} runs of ${plan.dir} reproduced (${comparison.source}); wrote ${plan.out}`
        : `reproduce failed: ${report.driftedRuns.length} of ${n} runs of ${plan.dir} drifted ` +
          `(${report.mismatches.length} cells outside ${comparison.source}); wrote ${plan.out}`,
    );
    return report.driftedRuns.length === 0 ? 0 : 1;
  });
}
