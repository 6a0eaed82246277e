/**
 * Measures the gate: derives a preset's floors from a reference run plus repeats with other
 * held-out seeds, then counts false alarms over further clean repeats and detections of
 * planted regressions, and writes floors, rule and measurements into
 * `fixtures/thresholds.json`.
 *
 * A clean repeat is the preset with held-out seeds `[7 + 5k, ..., 11 + 5k]` in place of 2-6:
 * on one machine and backend a rerun with the same seeds is bit-identical (a test checks
 * that), so seed-to-seed variation is what a harmless change of numerics looks like to the
 * gate. The tuning seed stays 1, so a repeat reuses the reference's tuning runs and runs only
 * its held-out seeds. A planted regression reruns the affected methods' whole cells (tuning
 * too: tuning may partly compensate, as it would for a real regression) on a clean repeat's
 * seeds, through an override that exists only here, never in the committed defaults.
 *
 * Usage: `deno task gate-power --preset smoke --ref results/gate_power/reference --out
 * results/gate_power` (`cli.ts gate-power --help`; the measured command is in
 * fixtures/thresholds.json).
 *
 * @module
 */
import { choiceOption, CliError, intOption, listOption, parseCommand } from "../cli/args.ts";
import { asInputError, guard, startBackend } from "../cli/guard.ts";
import { checkOutDir, checkOutFile } from "../cli/out_dir.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import { checkThresholds, deriveThresholds } from "./gate.ts";
import type { GateFailure, PresetThresholds } from "./gate.ts";
import { pooledReferences, readThresholdsOrNew, writeThresholds } from "./derive_thresholds.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import type { Versions } from "./meta.ts";
import { runId } from "./plan.ts";
import { CURVE_COLUMNS } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import {
  checkFolderOfPreset,
  checkPresetHasFloors,
  checkTunedOnFirstSeed,
  missingCells,
} from "./preset_folder.ts";
import { PRESETS } from "./presets.ts";
import { checkFolder, readResults, ResultsStore } from "./store.ts";
import { DEFAULT_THRESHOLDS } from "./thresholds_file.ts";
import { summarizeCells } from "./select.ts";
import { studentTQuantile } from "../stats/stats.ts";
import { LALC_DEFAULTS } from "../optim/lalc.ts";
import type { GridSpec, MethodName } from "./types.ts";

/** A regression planted for the measurement. */
export interface PlantedRegression {
  /** Short name. */
  readonly name: string;
  /** What it does. */
  readonly description: string;
  /** The methods whose cells it changes (the others are copied from the clean repeat). */
  readonly methods: readonly MethodName[];
  /** The kit the runs use (the override, when it is an optimizer's). */
  readonly kit: (base: OptimizerKit) => OptimizerKit;
  /** Repeats measured (at most `--regression-repeats`): fewer for a costly regression. */
  readonly maxRepeats?: number;
  /** The training function (the override, when it is the loop's). */
  readonly runFn: (
    base: (c: RunConfig) => Promise<RunResult>,
  ) => (c: RunConfig) => Promise<RunResult>;
}

/** LALC's default trust coefficient, defined once in src/optim/lalc.ts. */
const LALC_KAPPA = LALC_DEFAULTS.trustCoefficient;

/** The regressions measured: LALC's trust coefficient 10x and sqrt(10)x too small (only
 * LALC's cells change), and a loop that trains two thirds of the steps (every cell). */
export function plantedRegressions(
  lalc: (
    o: {
      learningRate: number | ((s: number) => number);
      momentum?: number;
      trustCoefficient: number;
    },
  ) => ReturnType<OptimizerKit["lalc"]>,
): PlantedRegression[] {
  const kappa = (factor: number, name: string): PlantedRegression => ({
    name,
    description: `LALC's trust coefficient ${LALC_KAPPA} x ${factor} = ${LALC_KAPPA * factor}`,
    methods: ["lalc"],
    kit: (base) => ({
      ...base,
      lalc: (o) => lalc({ ...o, trustCoefficient: LALC_KAPPA * factor }),
    }),
    runFn: (base) => base,
  });
  return [
    kappa(0.1, "lalc-trust-coefficient-10x-small"),
    kappa(Number((1 / Math.sqrt(10)).toFixed(4)), "lalc-trust-coefficient-3.2x-small"),
    {
      name: "two-thirds-of-the-steps",
      description: "every run trains 2/3 of its epochs (a data loop that loses a third)",
      methods: ["lalc", "lars", "lamb", "linear-scaling", "warmup"],
      kit: (base) => base,
      // Every cell reruns: one repeat keeps the measurement's cost to one grid.
      maxRepeats: 1,
      runFn: (base) => (c) => base({ ...c, epochs: (c.epochs ?? 1) * 2 / 3 }),
    },
  ];
}

/** The held-out seeds of repeat `k` (0-based): five seeds after the preset's 1-6. */
export function repeatSeeds(k: number): number[] {
  return Array.from({ length: 5 }, (_, i) => 7 + 5 * k + i);
}

/**
 * Appends to `curves` the points of `more` whose run is not in `curves` yet: a row prefilled
 * into a repeat keeps its id where the settings the id hashes are the same (the reference
 * and a clean repeat share their tuning runs), and its points must not be copied twice.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { addNewRuns } from "./gate_power.ts";
 * const curves = [{ run_id: "a", step: "1" }];
 * addNewRuns(curves, [{ run_id: "a", step: "1" }, { run_id: "b", step: "1" }]);
 * assertEquals(curves.map((c) => c.run_id), ["a", "b"]);
 * ```
 */
export function addNewRuns(
  curves: Record<string, string>[],
  more: readonly Record<string, string>[],
): void {
  const known = new Set(curves.map((c) => c.run_id));
  curves.push(...more.filter((c) => !known.has(c.run_id)));
}

/**
 * Starts `dir` as a results folder of `grid` with `rows` (and their curve points) already
 * finished, unless it exists (then the grid resumes it). The rows go through the store, with
 * the ids `grid` gives them, so the folder is one the runner accepts.
 */
export async function prefill(
  dir: string,
  grid: GridSpec,
  rows: readonly RunRow[],
  curves: readonly Record<string, string>[],
  versions: Versions,
): Promise<void> {
  try {
    await Deno.stat(`${dir}/runs.csv`);
    return;
  } catch {
    // a new folder: fill it below
  }
  const store = await ResultsStore.open(dir, { grid, backend: "wasm", versions });
  try {
    for (const row of rows) {
      const id = await runId(grid, row);
      const points = curves.filter((c) => c.run_id === row.runId)
        .map((c) => CURVE_COLUMNS.map((k) => (k === "run_id" ? id : c[k] ?? "")));
      await store.append({ ...row, runId: id }, points, []);
    }
  } finally {
    await store.close(false);
  }
}

const HELP = `usage: cli.ts gate-power --ref DIR [--preset NAME] [options]

Measures the gate of a preset: derives its floors from DIR (a complete run of the preset)
and clean repeats with other held-out seeds, counts false alarms over the clean repeats and
detections of planted regressions, and writes floors, rule and measurements into the
thresholds file. Every folder it will write is checked before the first run.

  --preset NAME             ${Object.keys(PRESETS).join(", ")} (default: smoke)
  --ref DIR                 a complete results folder of the preset (required)
  --out DIR                 where the repeats go (default: results/_gate_power)
  --floor-repeats N         clean repeats at every depth, for the floors (default 2)
  --clean-repeats N         further clean repeats, on --depths (default 5)
  --regression-repeats N    repeats of each planted regression, at most --clean-repeats
                            (default 3)
  --depths D,D              measure false alarms and regressions on these depths only (the
                            floors always cover every cell; default: every depth)
  --thresholds FILE         the file to write (default ${DEFAULT_THRESHOLDS})
  -h, --help                show this text`;

/**
 * The gate's failures of a folder's `rows` against `thresholds`, both restricted to `depths`:
 * how gate-power checks a folder on the depths it measures. The reference and the floors'
 * repeats cover every depth; checked against floors of the measured depths alone, their other
 * cells would fail as cells without a floor, which is not a false alarm of the rule.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { failuresOnDepths } from "./gate_power.ts";
 * const floors = { derivation: "none", maxDivergedTotal: 2, cells: [] };
 * assertEquals(failuresOnDepths([], floors, [2]), []);
 * ```
 */
export function failuresOnDepths(
  rows: readonly RunRow[],
  thresholds: PresetThresholds,
  depths: readonly number[],
): GateFailure[] {
  return checkThresholds(
    summarizeCells(rows.filter((r) => depths.includes(r.depth))),
    { ...thresholds, cells: thresholds.cells.filter((c) => depths.includes(c.depth)) },
  );
}

/** The grid of a repeat: the preset with held-out `seeds` after its tuning seed, on `depths`. */
function repeatGrid(preset: GridSpec, seeds: readonly number[], depths: readonly number[]) {
  return { ...preset, depths: [...depths], seeds: [preset.seeds[0], ...seeds] };
}

/**
 * \`gate-power\`: measures the gate of a preset and writes its floors (see the module doc).
 * Every argument, the reference folder (the preset's grid, every cell finished) and every
 * folder the measurement will write are checked before the first run.
 *
 * @example
 * \`\`\`ts ignore
 * Deno.exit(await gatePowerMain(["--preset", "smoke", "--ref", "results/gate_power/reference"]));
 * \`\`\`
 */
export function gatePowerMain(args: string[]): Promise<number> {
  return guard("gate-power", async () => {
    const parsed = parseCommand({
      name: "gate-power",
      help: HELP,
      options: {
        preset: { type: "string", default: "smoke" },
        ref: { type: "string" },
        out: { type: "string", default: "results/_gate_power" },
        "floor-repeats": { type: "string", default: "2" },
        "clean-repeats": { type: "string", default: "5" },
        "regression-repeats": { type: "string", default: "3" },
        depths: { type: "string" },
        thresholds: { type: "string", default: DEFAULT_THRESHOLDS },
      },
    }, args);
    if (parsed === undefined) return 0;
    const v = parsed.values;
    const ref = v.ref;
    if (ref === undefined) {
      throw new CliError(
        "--ref DIR is required: a complete results folder of the preset " +
          "(cli.ts grid --preset NAME); see cli.ts gate-power --help",
      );
    }
    const preset: GridSpec = PRESETS[choiceOption("preset", v.preset, Object.keys(PRESETS))];
    // Before the reference is read: no folder can make such a preset measurable.
    checkPresetHasFloors(preset, "--preset");
    checkTunedOnFirstSeed(preset);
    const P = intOption("floor-repeats", v["floor-repeats"], 0);
    const K = intOption("clean-repeats", v["clean-repeats"], 1);
    const R = intOption("regression-repeats", v["regression-repeats"], 1, K);
    const depths = v.depths === undefined
      ? preset.depths
      : listOption("depths", v.depths, (name, item) => intOption(name, item, 0));
    if (depths.some((d) => !preset.depths.includes(d))) {
      throw new CliError(
        `--depths: "${v.depths}" is not allowed; expected depths of preset ${preset.name}: ` +
          preset.depths.join(", "),
      );
    }
    const out = v.out;
    await checkOutDir("gate-power", "out", out);
    await checkOutFile("gate-power", "thresholds", v.thresholds, "results/ or fixtures/");
    await readThresholdsOrNew(v.thresholds); // a corrupt file is refused now, not at the end
    const refFolder = await readResults(ref);
    checkFolderOfPreset(ref, refFolder, preset, "--ref", true);
    const missing = missingCells([refFolder.rows], preset);
    if (missing.length > 0) {
      throw new CliError(
        `--ref ${ref}: ${missing.length} cells of preset ${preset.name} have no held-out run ` +
          `(${missing.slice(0, 3).join("; ")}${missing.length > 3 ? "; ..." : ""}); finish it ` +
          `first: cli.ts grid --preset ${preset.name} --out ${ref}`,
        1,
      );
    }
    const { lalc } = await import("../optim/lalc.ts");
    const regressionsPlanned = plantedRegressions(lalc);
    // Every folder the measurement writes, checked now: one of another grid (or a run of
    // other arguments) stops it before the first run, not hours later.
    const planned: [string, GridSpec][] = [];
    for (let k = 0; k < P + K; k++) {
      planned.push([
        `${out}/clean_${k}`,
        repeatGrid(preset, repeatSeeds(k), k < P ? preset.depths : depths),
      ]);
    }
    for (const reg of regressionsPlanned) {
      for (let k = 0; k < Math.min(R, reg.maxRepeats ?? R); k++) {
        planned.push([`${out}/${reg.name}_${k}`, repeatGrid(preset, repeatSeeds(P + k), depths)]);
      }
    }
    for (const [dir, grid] of planned) await checkFolder(dir, { grid, backend: "wasm" });

    const [{ useBackend }, { loadGridDataset }, { runGrid }, { optimizerKit }, { trainRun }] =
      await Promise.all([
        import("../backend/backend.ts"),
        import("./data.ts"),
        import("./runner.ts"),
        import("../methods/kit.ts"),
        import("../train/run.ts"),
      ]);
    const { currentVersions } = await import("./meta.ts");
    await startBackend(() => useBackend("wasm"));
    const dataset = await asInputError(() => loadGridDataset(preset.dataset));
    const versions = await currentVersions();
    // Curve points of every row a folder may be prefilled with (the reference's and the clean
    // repeats'), under the id the row had where it was read.
    const prefillCurves: Record<string, string>[] = [...refFolder.curves];
    const refRows = refFolder.rows;
    const tuneRows = refRows.filter((r) => r.phase === "tune");
    const started = performance.now();

    const runInto = async (
      dir: string,
      seeds: number[],
      pre: readonly RunRow[],
      kit = optimizerKit,
      runFn = trainRun,
      only: readonly number[] = depths,
    ) => {
      const grid = repeatGrid(preset, seeds, only);
      await prefill(dir, grid, pre.filter((r) => only.includes(r.depth)), prefillCurves, versions);
      const result = await runGrid({
        grid,
        out: dir,
        dataset,
        runFn,
        kit,
        backend: "wasm",
        versions,
      });
      console.error(
        `${dir}: ${result.ran} runs (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
      addNewRuns(prefillCurves, (await readResults(dir)).curves);
      return [...result.rows];
    };
    const clean: RunRow[][] = [];
    for (let k = 0; k < P + K; k++) {
      // The floors' repeats cover every cell; the measuring repeats only --depths.
      const only = k < P ? preset.depths : depths;
      clean.push(
        await runInto(
          `${out}/clean_${k}`,
          repeatSeeds(k),
          tuneRows,
          optimizerKit,
          trainRun,
          only,
        ),
      );
    }
    const cellCount = preset.methods.length * preset.batchSizes.length * preset.depths.length;
    const command = `deno task gate-power --preset ${preset.name} --ref ${ref} ` +
      `--floor-repeats ${P} --clean-repeats ${K} --regression-repeats ${R}` +
      (v.depths ? ` --depths ${v.depths}` : "");
    const floorsOf = (folders: readonly (readonly RunRow[])[], note: string) => {
      const totals = folders.map((rows) =>
        summarizeCells(rows).reduce((s, c) => s + c.divergedHeldOut, 0)
      );
      return deriveThresholds(
        pooledReferences(folders),
        n,
        note,
        Math.max(...totals) + 2,
        cellCount,
      );
    };
    const n = preset.seeds.length - 1;
    // The committed floors pool every clean folder: the reference and every repeat.
    const allClean = [refRows, ...clean];
    const base = floorsOf(
      allClean,
      `${preset.name} run ${ref} (held-out seeds 2-6) and ${P + K} clean repeats with ` +
        `held-out seeds ${repeatSeeds(0)[0]}-${repeatSeeds(P + K - 1).at(-1)} (depths ` +
        `${depths.join(", ")}; the first ${P} at every depth), pooled by seed at each cell's ` +
        `tuned rate; backend wasm, ${new Date().toISOString().slice(0, 10)}. Command: ${command}`,
    );
    // Measured out of sample: each clean folder (on the measured depths) against floors from
    // all the others (leave one out), so no folder is checked against floors that include it.
    const without = (i: number) => floorsOf(allClean.filter((_, j) => j !== i), "");
    const falseAlarmRuns = allClean.map((rows, i) => failuresOnDepths(rows, without(i), depths));
    const regressions = [];
    let smallestCaught = Infinity;
    let largestMissed = -Infinity;
    for (const reg of regressionsPlanned) {
      const perCell = new Map<string, { drops: number[]; caught: number }>();
      let caughtRuns = 0;
      const repeats = Math.min(R, reg.maxRepeats ?? R);
      for (let k = 0; k < repeats; k++) {
        const cleanRows = clean[P + k];
        const keep = cleanRows.filter((r) =>
          !(reg.methods as readonly string[]).includes(r.method)
        );
        const rows = await runInto(
          `${out}/${reg.name}_${k}`,
          repeatSeeds(P + k),
          keep,
          reg.kit(optimizerKit),
          reg.runFn(trainRun),
        );
        const cells = summarizeCells(rows);
        // Floors without the clean repeat this regression shares its seeds with.
        const failures = failuresOnDepths(rows, without(1 + P + k), depths);
        if (failures.length > 0) caughtRuns++;
        const cleanCells = summarizeCells(cleanRows);
        for (
          const c of cells.filter((x) => (reg.methods as readonly string[]).includes(x.method))
        ) {
          const name = `${c.method} batch ${c.batchSize} depth ${c.depth}`;
          const before = cleanCells.find((x) =>
            x.method === c.method && x.batchSize === c.batchSize && x.depth === c.depth
          )!;
          const drop = before.mean - c.mean;
          const caught = failures.some((f) => f.cell === name);
          const e = perCell.get(name) ?? { drops: [], caught: 0 };
          e.drops.push(Number(drop.toFixed(4)));
          if (caught) {
            e.caught++;
            smallestCaught = Math.min(smallestCaught, drop);
          } else largestMissed = Math.max(largestMissed, drop);
          perCell.set(name, e);
        }
      }
      regressions.push({
        name: reg.name,
        description: reg.description,
        repeats,
        gateFailedIn: caughtRuns,
        cells: [...perCell.entries()].map(([cell, e]) => ({
          cell,
          accuracyDrop: e.drops,
          caughtIn: e.caught,
        })),
      });
    }
    // The drop a cell must lose to fail with probability 95% (normal seeds, known sd).
    const z95 = studentTQuantile(0.95, 1e6);
    const detectable = base.cells.map((c) => ({
      cell: `${c.method} batch ${c.batchSize} depth ${c.depth}`,
      drop: Number((c.refMean! - c.minAccuracy + z95 * c.refSd! / Math.sqrt(n)).toFixed(4)),
    })).sort((a, b) => a.drop - b.drop);
    const thresholds: PresetThresholds = {
      ...base,
      power: {
        command,
        measuredOnDepths: depths,
        falseAlarms: {
          note: "each clean folder (the reference and every repeat, on the measured depths) " +
            "against floors derived from all the other clean folders",
          cleanRuns: falseAlarmRuns.length,
          gateFailed: falseAlarmRuns.filter((f) => f.length > 0).length,
          failingCells: falseAlarmRuns.flat().map((f) => `${f.cell}: ${f.message}`),
        },
        regressions,
        smallestDropCaught: Number.isFinite(smallestCaught)
          ? Number(smallestCaught.toFixed(4))
          : null,
        largestDropMissed: Number.isFinite(largestMissed) ? Number(largestMissed.toFixed(4)) : null,
        dropCaughtWith95PercentProbability: {
          note: "per cell, with the committed floors: margin + 1.645 * ref_sd / sqrt(n)",
          cells: detectable,
        },
        seconds: Math.round((performance.now() - started) / 1000),
      },
    };
    await writeThresholds(v.thresholds, preset.name, thresholds);
    console.log(JSON.stringify(thresholds.power, null, 2));
    return 0;
  });
}
