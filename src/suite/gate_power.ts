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
 * results/gate_power` (see --help; the measured command is in fixtures/thresholds.json).
 *
 * @module
 */
import type { RunConfig, RunResult } from "../train/types.ts";
import { checkThresholds, deriveThresholds } from "./gate.ts";
import type { PresetThresholds } from "./gate.ts";
import { pooledReferences, writeThresholds } from "./derive_thresholds.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import type { Versions } from "./meta.ts";
import { runId } from "./plan.ts";
import { CURVE_COLUMNS } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { ResultsStore } from "./store.ts";
import { summarizeCells } from "./select.ts";
import { studentTQuantile } from "./stats.ts";
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

/** LALC's default trust coefficient (src/optim/lalc.ts). */
const LALC_KAPPA = 0.02;

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

if (import.meta.main) {
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      preset: { type: "string", default: "smoke" },
      ref: { type: "string" },
      out: { type: "string", default: "results/_gate_power" },
      "floor-repeats": { type: "string", default: "2" },
      "clean-repeats": { type: "string", default: "5" },
      "regression-repeats": { type: "string", default: "3" },
      depths: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !values.ref) {
    console.log(
      "usage: gate_power.ts --preset NAME --ref DIR [--out DIR] [--floor-repeats N] " +
        "[--clean-repeats N] [--regression-repeats N] [--depths D,D]\nDIR: a complete run of " +
        "the preset. --depths: measure false alarms and regressions on these depths only (the " +
        "floors always cover every cell).",
    );
    Deno.exit(values.help ? 0 : 2);
  }
  const count = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      console.error(`gate_power: --${name} "${v}" is not allowed; expected an integer >= ${min}`);
      Deno.exit(2);
    }
    return n;
  };
  const P = count("floor-repeats", values["floor-repeats"], 0);
  const K = count("clean-repeats", values["clean-repeats"], 1);
  const R = count("regression-repeats", values["regression-repeats"], 1);
  if (R > K) {
    console.error(`gate_power: --regression-repeats ${R} exceeds --clean-repeats ${K}`);
    Deno.exit(2);
  }
  const [{ useBackend }, { loadGridDataset }, { runGrid }, { optimizerKit }, { trainRun }] =
    await Promise.all([
      import("../backend/backend.ts"),
      import("./data.ts"),
      import("./runner.ts"),
      import("../methods/kit.ts"),
      import("../train/run.ts"),
    ]);
  const { lalc } = await import("../optim/lalc.ts");
  const { presetByName } = await import("./presets.ts");
  const { readResults } = await import("./store.ts");
  const { currentVersions } = await import("./meta.ts");
  const preset: GridSpec = presetByName(values.preset!);
  await useBackend("wasm");
  const dataset = await loadGridDataset(preset.dataset);
  const versions = await currentVersions();
  const refFolder = await readResults(values.ref!);
  // Curve points of every row a folder may be prefilled with (the reference's and the clean
  // repeats'), under the id the row had where it was read.
  const prefillCurves: Record<string, string>[] = [...refFolder.curves];
  const ref = refFolder.rows;
  const tuneRows = ref.filter((r) => r.phase === "tune");
  const started = performance.now();

  const depths = values.depths === undefined ? preset.depths : values.depths.split(",").map(Number);
  if (depths.some((d) => !preset.depths.includes(d))) {
    console.error(
      `gate_power: --depths ${values.depths} is not allowed; the preset has ${preset.depths}`,
    );
    Deno.exit(2);
  }
  const runInto = async (
    dir: string,
    seeds: number[],
    pre: readonly RunRow[],
    kit = optimizerKit,
    runFn = trainRun,
    only: readonly number[] = depths,
  ) => {
    const grid = { ...preset, depths: only, seeds: [preset.seeds[0], ...seeds] };
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
    prefillCurves.push(...(await readResults(dir)).curves);
    return [...result.rows];
  };
  const clean: RunRow[][] = [];
  for (let k = 0; k < P + K; k++) {
    // The floors' repeats cover every cell; the measuring repeats only --depths.
    const only = k < P ? preset.depths : depths;
    clean.push(
      await runInto(
        `${values.out}/clean_${k}`,
        repeatSeeds(k),
        tuneRows,
        optimizerKit,
        trainRun,
        only,
      ),
    );
  }
  const cellCount = preset.methods.length * preset.batchSizes.length * preset.depths.length;
  const command = `deno task gate-power --preset ${preset.name} --ref ${values.ref} ` +
    `--floor-repeats ${P} --clean-repeats ${K} --regression-repeats ${R}` +
    (values.depths ? ` --depths ${values.depths}` : "");
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
  const allClean = [ref, ...clean];
  const base = floorsOf(
    allClean,
    `${preset.name} run ${values.ref} (held-out seeds 2-6) and ${P + K} clean repeats with ` +
      `held-out seeds ${repeatSeeds(0)[0]}-${repeatSeeds(P + K - 1).at(-1)} (depths ` +
      `${depths.join(", ")}; the first ${P} at every depth), pooled by seed at each cell's ` +
      `tuned rate; backend wasm, ${new Date().toISOString().slice(0, 10)}. Command: ${command}`,
  );
  // Measured out of sample: each clean folder (on the measured depths) against floors from
  // all the others (leave one out), so no folder is checked against floors that include it.
  const onDepths = (t: PresetThresholds): PresetThresholds => ({
    ...t,
    cells: t.cells.filter((c) => depths.includes(c.depth)),
  });
  const without = (i: number) => onDepths(floorsOf(allClean.filter((_, j) => j !== i), ""));
  const falseAlarmRuns = allClean.map((rows, i) =>
    checkThresholds(summarizeCells(rows), without(i))
  );
  const regressions = [];
  let smallestCaught = Infinity;
  let largestMissed = -Infinity;
  for (const reg of plantedRegressions(lalc)) {
    const perCell = new Map<string, { drops: number[]; caught: number }>();
    let caughtRuns = 0;
    const repeats = Math.min(R, reg.maxRepeats ?? R);
    for (let k = 0; k < repeats; k++) {
      const cleanRows = clean[P + k];
      const keep = cleanRows.filter((r) => !reg.methods.includes(r.method));
      const rows = await runInto(
        `${values.out}/${reg.name}_${k}`,
        repeatSeeds(P + k),
        keep,
        reg.kit(optimizerKit),
        reg.runFn(trainRun),
      );
      const cells = summarizeCells(rows);
      // Floors without the clean repeat this regression shares its seeds with.
      const failures = checkThresholds(cells, without(1 + P + k));
      if (failures.length > 0) caughtRuns++;
      const cleanCells = summarizeCells(cleanRows);
      for (const c of cells.filter((x) => reg.methods.includes(x.method))) {
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
  await writeThresholds("fixtures/thresholds.json", preset.name, thresholds);
  console.log(JSON.stringify(thresholds.power, null, 2));
}
