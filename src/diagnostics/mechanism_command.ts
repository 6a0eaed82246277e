/**
 * `explode mechanism`: does correlation between activations offset the explosion during
 * training? Trains BN-ReLU MLPs (or a ResNet) with momentum SGD (with and without warmup) or
 * LALC on inputs of controlled correlation and records the correlation measures, the
 * gradient ratios they predict and the measured ones.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { BACKENDS, useBackend } from "../backend/backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import type { Dataset } from "../data/types.ts";
import type { DatasetName } from "../data/by_name.ts";
import { buildModel } from "../models/build.ts";
import { resnetBlocksPerStage } from "../models/resnet_depth.ts";
import { momentum } from "../optim/momentum.ts";
import { lalc } from "../optim/lalc.ts";
import {
  choiceOption,
  CliError,
  intOption,
  listOption,
  numberOption,
  parseCommand,
} from "../cli/args.ts";
import { asInputError, startBackend } from "../cli/guard.ts";
import { checkOutDir } from "../cli/out_dir.ts";
import { TRACE_IO_OPTIONS } from "./trace_options.ts";
import { writeFileAtomic } from "../output/atomic.ts";
import { parseCsv, toCsv } from "../output/csv.ts";
import { writePlot } from "../output/plot.ts";
import { withClassCorrelation } from "./correlated_inputs.ts";
import { runMechanism } from "./mechanism.ts";
import {
  cumulativeRateRows,
  endpointRows,
  interventionRows,
  interventionSpec,
  layerRows,
  measuresSpec,
  type MechanismRun,
  PLOT_POINT_FIELDS,
  plotPoints,
  predictedVsMeasuredSpec,
  stepRows,
} from "./mechanism_report.ts";
import { heldOutRows, trackedRuns, trackingRows } from "./mechanism_tracking.ts";
import { ablateTraining, ABLATION_PARTS, snapshotParams } from "./ablation.ts";
import { ablationRows, ablationSummaryRows, type MechanismAblation } from "./ablation_report.ts";

// The data sets whose correlation the test controls: a subset of src/data's names.
const MECHANISM_DATASETS = ["synthetic", "fashion-mnist"] as const satisfies readonly DatasetName[];
const METHODS = ["momentum", "warmup", "lalc"] as const;
const MODELS = ["mlp", "resnet"] as const;

/** The usage text of `explode mechanism`. */
export const MECHANISM_USAGE = `usage: cli.ts explode mechanism [options]

Trains BN-ReLU MLPs (or a CIFAR-style ResNet) with momentum SGD (0.9), constant rate
("momentum") or linear warmup from 0 over --warmup-steps then constant ("warmup"), or with
LALC (momentum 0.9, its default trust coefficient and clipping, constant rate: "lalc"), on
inputs of controlled correlation: the synthetic task's within-class correlation c, or
Fashion-MNIST mixed with per-class Gaussian patterns at strength c. Every step: the
measured per-layer gradient ratios; every --measure-every steps (MLP only): gate agreement,
ReLU variance retention and centred cosine per layer and the ratios they predict
(docs/mechanism.md).

options:
  --datasets LIST      ${MECHANISM_DATASETS.join(", ")} (default both)
  --correlation LIST   input correlation levels c in [0, 1) (default 0,0.3,0.6,0.9)
  --methods LIST       ${METHODS.join(", ")} (default momentum,warmup)
  --model NAME         ${MODELS.join(", ")} (default mlp); a resnet's --depth is 6n+2 (8,
                       14, ...) and its --width the first stage's channels; the synthetic
                       inputs are then shaped 28 x 28 x 1
  --seeds N            seeds 0..N-1 per condition (default 5)
  --steps N            steps per run (default 200)
  --batch-size N       samples per batch (default 64)
  --lr X               peak learning rate (default 0.025: 0.1 per 256, linearly scaled)
  --warmup-steps N     warmup length of "warmup" (default 100)
  --depth N            blocks (default 10)
  --width N            hidden width (default 128)
  --measure-every N    steps between measurements (default 5)
  --threshold X        fade threshold of the mean interior ratio (default 1.05)
  --window N           steps averaged before comparing with the threshold (default 5)
  --ablate             after each run (MLP only), measure the trained network with parts of
                       its training undone (ablation.csv, ablation_summary.csv; see
                       docs/mechanism.md): ${ABLATION_PARTS.join("; ")}
  --data-dir DIR       Fashion-MNIST IDX files (default: FASHION_MNIST_DIR or
                       /usr/share/datasets/fashion-mnist/)
  --backend NAME       ${BACKENDS.join(", ")} (default wasm)
  --out DIR            write steps.csv, layers.csv, endpoints.csv, intervention.csv,
                       tracking.csv, heldout.csv, by_cumulative_rate.csv, plot_points.csv
                       and the plots (SVG + PNG) to DIR
  --replot DIR         train nothing: recompute DIR's endpoints.csv, tracking.csv,
                       heldout.csv, by_cumulative_rate.csv and plot_points.csv from its
                       steps.csv and layers.csv, and redraw its plots (with intervention.csv)
  --json               print the intervention table as JSON on the last line
  -h, --help           show this text`;

async function writePlots(
  dir: string,
  points: Record<string, unknown>[],
  intervention: Record<string, string>[],
): Promise<string[]> {
  return [
    ...await writePlot(dir, "predicted_vs_measured", predictedVsMeasuredSpec(points)),
    ...await writePlot(dir, "measures", measuresSpec(points)),
    ...await writePlot(dir, "steps_to_fade", interventionSpec(intervention)),
  ];
}

function asObjects(rows: string[][]): Record<string, string>[] {
  return rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]])));
}

const MECHANISM_OPTIONS = {
  datasets: { type: "string", default: MECHANISM_DATASETS.join(",") },
  correlation: { type: "string", default: "0,0.3,0.6,0.9" },
  methods: { type: "string", default: "momentum,warmup" },
  model: { type: "string", default: "mlp" },
  ablate: { type: "boolean" },
  seeds: { type: "string", default: "5" },
  steps: { type: "string", default: "200" },
  "batch-size": { type: "string", default: "64" },
  lr: { type: "string", default: "0.025" },
  "warmup-steps": { type: "string", default: "100" },
  depth: { type: "string", default: "10" },
  width: { type: "string", default: "128" },
  "measure-every": { type: "string", default: "5" },
  threshold: { type: "string", default: "1.05" },
  window: { type: "string", default: "5" },
  ...TRACE_IO_OPTIONS,
} as const;

/** Runs `explode mechanism`; returns the exit code. */
export async function mechanismMain(args: string[]): Promise<number> {
  const parsed = parseCommand(
    { name: "explode mechanism", help: MECHANISM_USAGE, options: MECHANISM_OPTIONS },
    args,
  );
  if (parsed === undefined) return 0;
  const v = parsed.values;
  const datasets = listOption(
    "datasets",
    v.datasets,
    (n, s) => choiceOption(n, s, MECHANISM_DATASETS),
  );
  const levels = listOption("correlation", v.correlation, (n, s) => numberOption(n, s, 0, 0.999));
  const methods = listOption("methods", v.methods, (n, s) => choiceOption(n, s, METHODS));
  const seeds = intOption("seeds", v.seeds, 1, 1000);
  const steps = intOption("steps", v.steps, 1, 1_000_000);
  const batchSize = intOption("batch-size", v["batch-size"], 2, 60000);
  const lr = numberOption("lr", v.lr, 0, 100);
  const warmupSteps = intOption("warmup-steps", v["warmup-steps"], 1, 1_000_000);
  const depth = intOption("depth", v.depth, 3, 1000);
  const width = intOption("width", v.width, 1, 65536);
  const measureEvery = intOption("measure-every", v["measure-every"], 1, 1_000_000);
  const threshold = numberOption("threshold", v.threshold, 0, 100);
  const window = intOption("window", v.window, 1, steps);
  const backend = choiceOption("backend", v.backend, BACKENDS);
  const modelKind = choiceOption("model", v.model, MODELS);
  if (modelKind === "resnet") {
    try {
      resnetBlocksPerStage(depth);
    } catch (e) {
      throw new CliError(`--depth: ${(e as Error).message}`);
    }
    if (v.ablate) throw new CliError("--ablate: measures an MLP only, not a resnet");
  }

  if (v.replot !== undefined) {
    const dir = v.replot;
    let steps, layers, intervention;
    try {
      steps = parseCsv(await Deno.readTextFile(`${dir}/steps.csv`));
      layers = parseCsv(await Deno.readTextFile(`${dir}/layers.csv`));
      intervention = parseCsv(await Deno.readTextFile(`${dir}/intervention.csv`));
    } catch (e) {
      console.error(`explode mechanism: cannot read ${dir}: ${(e as Error).message}`);
      return 1;
    }
    let analysis;
    try {
      analysis = await writeAnalysis(dir, steps, layers, window);
    } catch (e) {
      console.error(`explode mechanism: cannot analyse ${dir}: ${(e as Error).message}`);
      return 1;
    }
    const plots = await writePlots(dir, analysis.points, intervention);
    console.log(`wrote ${[...analysis.files, ...plots].join(", ")}`);
    return 0;
  }

  // Refused before hours of training, not after.
  if (v.out !== undefined) await checkOutDir("explode mechanism", "out", v.out);
  const fashion = datasets.includes("fashion-mnist")
    ? await asInputError(() => loadFashionMnist({ dataDir: v["data-dir"] }))
    : undefined;
  await startBackend(() => useBackend(backend));
  const runs: MechanismRun[] = [];
  const ablations: MechanismAblation[] = [];
  const started = performance.now();
  for (const dataset of datasets) {
    for (const c of levels) {
      for (let seed = 0; seed < seeds; seed++) {
        // The synthetic task is redrawn per seed; Fashion-MNIST's class patterns too. A
        // ResNet takes the synthetic task's 784 features as a 28 x 28 x 1 image.
        const data: Dataset = dataset === "synthetic"
          ? makeSyntheticDataset({
            correlation: c,
            sampleShape: modelKind === "resnet" ? [28, 28, 1] : [784],
            trainCount: 8192,
            testCount: 64,
            seed,
          })
          : withClassCorrelation(fashion!, c, seed);
        for (const method of methods) {
          const rate = method === "warmup"
            ? (s: number) => lr * Math.min(1, (s + 1) / warmupSteps)
            : () => lr;
          const model = buildModel(
            { kind: modelKind, depth, width, seed },
            data.train.sampleShape,
            data.numClasses,
          );
          const optimizer = method === "lalc"
            ? lalc({ learningRate: rate, momentum: 0.9 })
            : momentum({ learningRate: rate, momentum: 0.9 });
          const initial = v.ablate ? snapshotParams(model) : undefined;
          try {
            const t0 = performance.now();
            const record = await runMechanism({
              model,
              optimizer,
              learningRate: rate,
              train: data.train,
              batchSize,
              steps,
              seed,
              measureEvery,
            });
            const run = { dataset, model: modelKind, correlation: c, method, seed, steps: record };
            runs.push(run);
            if (initial !== undefined) {
              const parts = await ablateTraining(model, initial, data.train, batchSize, 4, seed);
              ablations.push({ ...run, parts });
            }
            const last = record.slice(-window);
            console.log(
              `${dataset} ${modelKind} c=${c} ${method.padEnd(8)} seed ${seed}: ratio ${
                record[0].meanRatio.toFixed(3)
              } -> ${(last.reduce((a, s) => a + s.meanRatio, 0) / last.length).toFixed(3)}, ` +
                `loss ${record[0].loss.toFixed(3)} -> ${
                  record[record.length - 1].loss.toFixed(3)
                }` +
                ` (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
            );
          } finally {
            model.dispose();
            optimizer.dispose();
            if (initial !== undefined) tf.dispose([...initial.values()]);
          }
        }
      }
    }
  }
  const intervention = interventionRows(runs, threshold, window);
  if (v.out !== undefined) {
    await Deno.mkdir(v.out, { recursive: true });
    const steps = stepRows(runs);
    const layers = layerRows(runs);
    const files: [string, string[][]][] = [
      ["steps.csv", steps],
      ["layers.csv", layers],
      ["intervention.csv", intervention],
    ];
    if (v.ablate) {
      files.push(["ablation.csv", ablationRows(ablations)]);
      files.push(["ablation_summary.csv", ablationSummaryRows(ablations)]);
    }
    for (const [name, rows] of files) await writeFileAtomic(`${v.out}/${name}`, toCsv(rows));
    const analysis = await writeAnalysis(v.out, asObjects(steps), asObjects(layers), window);
    const written = [...files.map(([name]) => `${v.out}/${name}`), ...analysis.files];
    written.push(...await writePlots(v.out, analysis.points, asObjects(intervention)));
    console.log(`wrote ${written.join(", ")}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (v.json) console.log(JSON.stringify({ intervention: asObjects(intervention) }));
  return 0;
}

/**
 * Writes what is computed from `steps.csv` and `layers.csv` (as parsed rows) to `dir`: the
 * same for a training run and for `--replot` of its folder.
 */
async function writeAnalysis(
  dir: string,
  steps: readonly Record<string, string>[],
  layers: readonly Record<string, string>[],
  window: number,
): Promise<{ files: string[]; points: Record<string, unknown>[] }> {
  const tracked = trackedRuns(steps, layers);
  const points = plotPoints(tracked);
  const files: [string, string[][]][] = [
    ["endpoints.csv", endpointRows(layers)],
    ["tracking.csv", trackingRows(tracked)],
    ["heldout.csv", heldOutRows(tracked)],
    ["by_cumulative_rate.csv", cumulativeRateRows(steps, window)],
    ["plot_points.csv", [
      [...PLOT_POINT_FIELDS],
      ...points.map((p) => PLOT_POINT_FIELDS.map((k) => String(p[k]))),
    ]],
  ];
  for (const [name, rows] of files) await writeFileAtomic(`${dir}/${name}`, toCsv(rows));
  return { files: files.map(([name]) => `${dir}/${name}`), points };
}
