/**
 * `explode train`: the explosion over the first steps of training, for each method of the
 * benchmark suite at each batch size, on Fashion-MNIST.
 *
 * @module
 */
import { BACKENDS, useBackend } from "../backend/backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { buildModel } from "../models/build.ts";
import { writeFileAtomic } from "../output/atomic.ts";
import { toCsv } from "../output/csv.ts";
import { optimizerKit } from "../methods/kit.ts";
import {
  methodSchedule,
  optimizerFactory,
  RECIPES,
  scaledLearningRate,
} from "../methods/recipes.ts";
import { writePlot } from "../output/plot.ts";
import { type MethodName, METHODS } from "../methods/names.ts";
import { choiceOption, CliError, intOption, listOption, parseCommand } from "../cli/args.ts";
import { asInputError, startBackend } from "../cli/guard.ts";
import { checkOutDir } from "../cli/out_dir.ts";
import { TRACE_IO_OPTIONS } from "./trace_options.ts";
import { isLayerwiseOptimizer } from "../optim/layerwise.ts";
import { traceTraining } from "./trace.ts";
import {
  explosionVsCorrelationSpec,
  layerStepSpec,
  layerStepTable,
  stepTable,
  type Trace,
  tracesFromCsv,
} from "./trace_report.ts";

/** The usage text of `explode train`. */
export const TRAIN_USAGE = `usage: cli.ts explode train [options]

Trains a deep BN-ReLU MLP on Fashion-MNIST with each method of the benchmark suite (its
recipe's centre learning rate, scaled to the batch size, with its warmup and cosine decay over
--epochs) and records at every step: per-layer gradient norms, the learning rate the
optimizer applied to each layer (LALC, LARS and LAMB report it; momentum SGD applies the
global rate), and the mean pairwise cosine similarity of the samples' activations per layer.

options:
  --methods LIST    ${METHODS.join(", ")} (default all)
  --batch-size LIST batch sizes (default 64,2048)
  --steps LIST      steps traced, one value or one per batch size (default 300,60)
  --epochs N        length of the run the schedules are laid out for (default 4, the
                    standard preset's)
  --depth N         blocks (default 16)
  --width N         hidden width (default 256)
  --seed N          seed of the weights and the data order (default 0)
  --data-dir DIR    Fashion-MNIST IDX files (default: FASHION_MNIST_DIR or
                    /usr/share/datasets/fashion-mnist/)
  --backend NAME    ${BACKENDS.join(", ")} (default wasm)
  --out DIR         write steps.csv, layers.csv and plots (SVG + PNG) to DIR
  --replot DIR      train nothing: redraw the plots of DIR from its steps.csv and layers.csv
  --json            print a JSON summary as the last line
  -h, --help        show this text`;

/** Draws the four trace figures into `dir` (SVG + PNG each); returns the paths. */
async function writeTracePlots(dir: string, traces: Trace[], depth: number): Promise<string[]> {
  const written = await writePlot(
    dir,
    "explosion_vs_correlation",
    explosionVsCorrelationSpec(traces, depth),
  );
  for (const what of ["gradNorm", "learningRate", "correlation"] as const) {
    written.push(...await writePlot(dir, `layer_${what}`, layerStepSpec(traces, what)));
  }
  return written;
}

const OPTIONS = {
  methods: { type: "string", default: METHODS.join(",") },
  "batch-size": { type: "string", default: "64,2048" },
  steps: { type: "string", default: "300,60" },
  epochs: { type: "string", default: "4" },
  depth: { type: "string", default: "16" },
  width: { type: "string", default: "256" },
  seed: { type: "string", default: "0" },
  ...TRACE_IO_OPTIONS,
} as const;

/** Runs `explode train`; returns the exit code. */
export async function trainMain(args: string[]): Promise<number> {
  const parsed = parseCommand({ name: "explode train", help: TRAIN_USAGE, options: OPTIONS }, args);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  const methods = listOption(
    "methods",
    v.methods,
    (n, s) => choiceOption<MethodName>(n, s, METHODS),
  );
  const batches = listOption("batch-size", v["batch-size"], (n, s) => intOption(n, s, 2, 60000));
  let steps = listOption("steps", v.steps, (n, s) => intOption(n, s, 1, 1_000_000));
  if (steps.length === 1) steps = batches.map(() => steps[0]);
  if (steps.length !== batches.length) {
    throw new CliError(
      `--steps: "${v.steps}" is not allowed; expected one value or ${batches.length} (one per batch size)`,
    );
  }
  const runEpochs = intOption("epochs", v.epochs, 1, 10000);
  const depth = intOption("depth", v.depth, 3, 1000);
  const width = intOption("width", v.width, 1, 65536);
  const seed = intOption("seed", v.seed, 0, 2 ** 31 - 1);
  const backend = choiceOption("backend", v.backend, BACKENDS);

  if (v.replot !== undefined) {
    const dir = v.replot;
    const traces = tracesFromCsv(
      await Deno.readTextFile(`${dir}/steps.csv`),
      await Deno.readTextFile(`${dir}/layers.csv`),
      { steps: `${dir}/steps.csv`, layers: `${dir}/layers.csv` },
    );
    console.log(`wrote ${(await writeTracePlots(dir, traces, depth)).join(", ")}`);
    return 0;
  }
  // Checked before training: a folder it may not write fails now, not after the run.
  if (v.out !== undefined) await checkOutDir("explode train", "out", v.out);
  const data = await asInputError(() => loadFashionMnist({ dataDir: v["data-dir"] }));
  await startBackend(() => useBackend(backend));
  const traces: Trace[] = [];
  for (const [b, batchSize] of batches.entries()) {
    const totalSteps = runEpochs * Math.floor(data.train.count / batchSize);
    for (const method of methods) {
      const peak = scaledLearningRate(method, RECIPES[method].baseLr, batchSize);
      const schedule = methodSchedule(optimizerKit, method, peak, totalSteps);
      const optimizer = optimizerFactory(optimizerKit, method, peak, true)(
        totalSteps,
        totalSteps / runEpochs,
      );
      const model = buildModel(
        { kind: "mlp", depth, width, seed },
        data.train.sampleShape,
        data.numClasses,
      );
      const started = performance.now();
      try {
        const layerwise = isLayerwiseOptimizer(optimizer) ? optimizer : null;
        const records = await traceTraining({
          model,
          optimizer,
          layerStats: layerwise === null ? undefined : () => layerwise.layerStats(),
          learningRate: schedule,
          train: data.train,
          batchSize,
          steps: steps[b],
          seed,
        });
        traces.push({ method, batchSize, globalLr: records.map((r) => schedule(r.step)), records });
        const first = records[0];
        const last = records[records.length - 1];
        console.log(
          `${method.padEnd(14)} batch ${String(batchSize).padStart(5)}: ratio ${
            first.meanRatio.toFixed(3)
          } -> ` +
            `${last.meanRatio.toFixed(3)}, loss ${first.loss.toFixed(3)} -> ${
              last.loss.toFixed(3)
            } ` +
            `(${records.length} steps, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      } finally {
        model.dispose();
        optimizer.dispose();
      }
    }
  }
  if (v.out !== undefined) {
    await Deno.mkdir(v.out, { recursive: true });
    await writeFileAtomic(`${v.out}/steps.csv`, toCsv(stepTable(traces, depth)));
    await writeFileAtomic(`${v.out}/layers.csv`, toCsv(layerStepTable(traces)));
    const written = [`${v.out}/steps.csv`, `${v.out}/layers.csv`];
    written.push(
      ...await writePlot(
        v.out,
        "explosion_vs_correlation",
        explosionVsCorrelationSpec(traces, depth),
      ),
    );
    for (const what of ["gradNorm", "learningRate", "correlation"] as const) {
      written.push(...await writePlot(v.out, `layer_${what}`, layerStepSpec(traces, what)));
    }
    console.log(`wrote ${written.join(", ")}`);
  }
  if (v.json) {
    console.log(JSON.stringify({
      runs: traces.map((t) => ({
        method: t.method,
        batchSize: t.batchSize,
        steps: t.records.length,
        meanRatio: t.records.map((r) => r.meanRatio),
        loss: t.records.map((r) => r.loss),
      })),
    }));
  }
  return 0;
}
