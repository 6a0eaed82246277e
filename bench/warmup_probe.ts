/**
 * Why does warmup trail no-warmup in the `cnn` preset? Trains the preset's BN-ReLU ResNet
 * (width 8, batch 256, 150 steps = 0.77 epochs of the 50,000 training images, cosine decay to
 * zero, momentum 0.9) under a few schedules and weight-norm interventions, same seed for
 * model and data order, and prints, per run:
 *
 * - the final train loss (mean of steps 101-150, as `trainRun` reports it), the train loss
 *   over the windows 1-8, 9-30, 31-75 and 76-150, and the full validation and test accuracy;
 * - per step (the first 20 one by one, then every 10th): the schedule's rate, the train loss,
 *   the global gradient norm and the norm of the step's change of all trainable variables;
 * - dead ReLU channels (never positive on 1,000 validation images, inference mode) inside the
 *   blocks and at the block outputs, after 0, 8, 30, 75 and 150 steps;
 * - per layer group (stem, stage1, stage2, stage3 conv kernels; head for reference) the RMS
 *   layer weight norm `sqrt(mean_l ||w_l||^2)` after 0, 8, 30, 75 and 150 steps, and the
 *   effective rate `mean_l eta_t / ||w_l||^2` of the step taken from that state (a conv
 *   kernel followed by BN is scale-invariant: its gradient is orthogonal to it and shrinks
 *   as 1/||w||, so only eta/||w||^2 moves its direction), with the sum of that rate over the
 *   whole run.
 *
 * Configurations (`--configs`, comma-separated; `*m` multiplies the peak rate by m):
 * - `none`: the `linear-scaling` recipe (no warmup), through `optimizerFactory` as the suite
 *   builds it.
 * - `warmup`: the `warmup` recipe (linear ramp from 0 over round(5/90 * steps) steps, then
 *   cosine), through `optimizerFactory`.
 * - `warmup:K`: the same ramp over K steps instead.
 * - `warmup-normed`: `warmup` with every conv kernel's initial values scaled so its norm is
 *   the norm that layer has after 8 steps of `none` at the base rate (same seed; `none` runs
 *   first if the list does not start with it).
 * - `none-reset`: `none`, with every conv kernel scaled back to its initial norm after 8 steps
 *   (directions kept; the momentum buffer is left as it is).
 * - `+ratefirst` after any of them (before `*m`): the same schedule, but the rate scales each
 *   gradient before it enters the momentum buffer (`v = 0.9*v - eta_t*g; w += v`) instead of
 *   scaling the buffer (`v = 0.9*v + g; w -= eta_t*v`, the suite's momentum). Identical under a
 *   constant rate; under a ramp the large gradients of the first steps enter the buffer at
 *   their small rates instead of being applied again at the peak rate.
 *
 * With the defaults (`--depth 20 --lr 0.1 --seeds 1 --configs none,warmup`, native backend,
 * one thread, reproducible kernels) and `--unfused` (the tf.js reference ops one by one, as
 * the cnn grid ran: it predates the fused kernels), the `none` and `warmup` rows are the `cnn`
 * preset's runs at base rate 0.1, seed 1, depth 20 to every printed digit (measured: train
 * loss 0.4800 / 0.6012, validation 0.8288 / 0.7775, test 0.8253 / 0.7735, as in
 * results/cnn/runs.csv), and `--seeds 2 --configs none` its seed-2 run (0.5107, 0.8162,
 * 0.8166). The fused path was not compared. A depth-20 run costs ~65 s of one core.
 *
 * The runs behind the warmup finding (about 15 min of one core in all):
 *   ... bench/warmup_probe.ts --unfused --seeds 1 --configs none,warmup,warmup:30
 *   ... bench/warmup_probe.ts --unfused --seeds 2 --configs none,warmup
 *   ... bench/warmup_probe.ts --unfused --seeds 1 --configs warmup+ratefirst,none+ratefirst
 *   ... bench/warmup_probe.ts --unfused --seeds 2 --configs warmup+ratefirst,warmup:30,none+ratefirst
 *
 * Usage (the narrowest permissions that run it):
 *   deno run --allow-read --allow-env=FASHION_MNIST_DIR,OPENBLAS_CORETYPE \
 *     --allow-ffi=/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0,/usr/lib/x86_64-linux-gnu/libdnnl.so.2,/usr/lib/x86_64-linux-gnu/libgomp.so.1 \
 *     bench/warmup_probe.ts [--depth 20] [--lr 0.1] [--seeds 1,2] [--steps 150] \
 *     [--configs none,warmup,warmup:30,warmup+ratefirst,none*0.5] [--unfused]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../src/backend/backend.ts";
import {
  choiceOption,
  intOption,
  listOption,
  numberOption,
  parseCommand,
} from "../src/cli/args.ts";
import { guard, startBackend } from "../src/cli/guard.ts";
import { gatherBatch, shuffledOrder } from "../src/data/batch.ts";
import { optimizerKit } from "../src/methods/kit.ts";
import { methodSchedule, MOMENTUM, optimizerFactory } from "../src/methods/recipes.ts";
import { scaleByLearningRate } from "../src/optim/learning_rate.ts";
import { ChainOptimizer } from "../src/optim/optimizer.ts";
import { trace } from "../src/optim/trace.ts";
import { chain } from "../src/optim/transform.ts";
import { buildModel } from "../src/models/build.ts";
import type { Model } from "../src/models/types.ts";
import { loadGridDataset } from "../src/suite/data.ts";
import { plannedSteps } from "../src/suite/execute.ts";
import { CNN } from "../src/suite/presets.ts";
import { accuracy } from "../src/train/evaluate.ts";
import { learningRateAt } from "../src/train/run.ts";
import { trainStep } from "../src/train/step.ts";
import type { Dataset, Split } from "../src/data/types.ts";
import { BN_EPSILON } from "../src/models/batch_norm.ts";
import type { Optimizer, Variable } from "../src/tf_types.ts";

/** The layer groups of the table, by variable-name prefix (after the model's own prefix). */
export const GROUPS = ["stem", "stage1", "stage2", "stage3", "head"] as const;
/** Steps at which the table shows norms and effective rates, for a 150-step run. */
const MARKS = [0, 8, 30, 75, 150];

/** {@link MARKS} stretched to a run of `total` steps. */
function marksFor(total: number): number[] {
  return MARKS.map((s) => Math.round(s * total / 150));
}
/** The step after which `none-reset` and `warmup-normed` take their norms. */
const NORM_STEP = 8;

/** One parsed `--configs` entry. */
export interface ProbeConfig {
  /** The entry as written. */
  readonly label: string;
  /** `none`, `warmup` (recipe length or `warmupSteps`), `warmup-normed` or `none-reset`. */
  readonly kind: "none" | "warmup" | "warmup-normed" | "none-reset";
  /** Warmup length when given as `warmup:K`. */
  readonly warmupSteps?: number;
  /**
   * `+ratefirst`: the rate scales each gradient before it enters the momentum buffer
   * (`v = mu*v - eta_t*g; w += v`) instead of scaling the buffer (`v = mu*v + g;
   * w -= eta_t*v`, tf.js' and the suite's momentum). The same under a constant rate; under a
   * ramp, gradients taken at a small rate stay small in the buffer.
   */
  readonly rateFirst: boolean;
  /** Multiplier of the peak rate (`*m`). */
  readonly rateFactor: number;
}

/**
 * Parses one `--configs` entry.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseProbeConfig } from "./warmup_probe.ts";
 * assertEquals(parseProbeConfig("warmup:2*0.5"), {
 *   label: "warmup:2*0.5", kind: "warmup", warmupSteps: 2, rateFirst: false, rateFactor: 0.5,
 * });
 * ```
 */
export function parseProbeConfig(text: string): ProbeConfig {
  const match = /^(none-reset|none|warmup-normed|warmup)(?::(\d+))?(\+ratefirst)?(?:\*([0-9.]+))?$/
    .exec(text);
  if (match === null || (match[2] !== undefined && match[1] !== "warmup")) {
    throw new Error(
      `config "${text}" is not allowed; expected none, warmup, warmup:K, warmup-normed or ` +
        `none-reset, each optionally followed by *factor`,
    );
  }
  const rateFactor = match[4] === undefined ? 1 : Number(match[4]);
  if (!(rateFactor > 0)) throw new Error(`config "${text}": the rate factor must be > 0`);
  return {
    label: text,
    kind: match[1] as ProbeConfig["kind"],
    ...(match[2] === undefined ? {} : { warmupSteps: Number(match[2]) }),
    rateFirst: match[3] !== undefined,
    rateFactor,
  };
}

/** The group of a kernel variable's name (`resnet0/stage2/block01/conv1/kernel` -> stage2). */
function groupOf(name: string): string {
  const layer = name.split("/")[1];
  return GROUPS.find((g) => layer === g) ?? "other";
}

/** The optimizer of `config` at peak rate `peak` over `total` steps. */
function makeOptimizer(config: ProbeConfig, peak: number, total: number): Optimizer {
  const method = config.kind.startsWith("warmup") ? "warmup" : "linear-scaling";
  const learningRate = config.warmupSteps === undefined
    ? methodSchedule(optimizerKit, method, peak, total)
    : optimizerKit.warmupCosine({
      init: 0,
      peak,
      warmupSteps: config.warmupSteps,
      decaySteps: total,
      end: 0,
    });
  if (config.rateFirst) {
    return new ChainOptimizer(
      chain(scaleByLearningRate(learningRate), trace({ decay: MOMENTUM })),
      { rate: learningRate },
    );
  }
  if (config.warmupSteps !== undefined) {
    return optimizerKit.momentum({ learningRate, momentum: MOMENTUM });
  }
  // The rate is per 256 samples and the batch is 256: scaledLearningRate is the identity here.
  return optimizerFactory(optimizerKit, method, peak)(total, 0);
}

/** Per-kernel squared norms, in `kernels` order. */
async function squaredNorms(kernels: readonly Variable[]): Promise<Float64Array> {
  const packed = tf.tidy(() => tf.stack(kernels.map((k) => tf.sum(tf.square(k)))));
  const values = await packed.data();
  packed.dispose();
  return Float64Array.from(values);
}

/** Dead ReLU channels: channels whose activation is 0 at every position of every sample. */
export interface DeadChannels {
  /** Inside the blocks (ReLU after conv1 + BN1), dead of total. */
  readonly inner: [number, number];
  /** At the stem and block outputs (ReLU after BN + shortcut), dead of total. */
  readonly outer: [number, number];
}

/** Samples of the validation split the dead-channel count looks at. */
const DEAD_SAMPLES = 1000;

/**
 * Counts dead ReLU channels on the first {@link DEAD_SAMPLES} validation images, in inference
 * mode (BN with its running statistics, as evaluation sees the network). The block outputs
 * come from the model's own forward pass (`keepActivations`); the inner ReLUs are recomputed
 * from each block's input with the block's conv1 and BN1 variables.
 */
async function deadChannels(model: Model, split: Split): Promise<DeadChannels> {
  const byName = new Map([...model.params, ...model.state].map((v) => [v.name, v]));
  const blocks = model.layers.filter((l) => /\/conv1$/.test(l.name));
  const counts = tf.tidy(() => {
    const n = Math.min(DEAD_SAMPLES, split.count);
    const size = split.sampleShape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(split.x.subarray(0, n * size), [n, ...split.sampleShape]);
    const { activations } = model.forward(x, { training: false, keepActivations: true });
    const live = (h: tf.Tensor) => tf.greater(tf.max(h, [0, 1, 2]), 0);
    const outer = activations!.map(live);
    const inner = blocks.map((layer, k) => {
      const block = `${model.name}/${layer.name.replace(/\/conv1$/, "")}`;
      const bn = (role: string) => byName.get(`${block}/bn1/${role}`)!;
      const stride = /^stage[23]\/block01$/.test(layer.name.split("/").slice(0, 2).join("/"))
        ? 2
        : 1;
      const conv = tf.conv2d(
        activations![k] as tf.Tensor4D,
        layer.kernel as tf.Tensor4D,
        stride,
        "same",
      );
      const pre = tf.batchNorm(
        conv,
        bn("moving_mean"),
        bn("moving_variance"),
        bn("beta"),
        bn("gamma"),
        BN_EPSILON,
      );
      return live(pre);
    });
    tf.dispose(activations);
    const total = (flags: tf.Tensor[]) =>
      tf.stack([
        tf.sum(tf.logicalNot(tf.concat(flags)).toInt()),
        tf.scalar(flags.reduce((a, f) => a + f.size, 0), "int32"),
      ]);
    return tf.concat([total(inner), total(outer)]);
  });
  const [deadInner, allInner, deadOuter, allOuter] = await counts.data();
  counts.dispose();
  return { inner: [deadInner, allInner], outer: [deadOuter, allOuter] };
}

/** Scales each kernel in place to `targets[i]` (a norm) from its current norm `now[i]`. */
function rescale(kernels: readonly Variable[], now: Float64Array, targets: Float64Array): void {
  kernels.forEach((k, i) => tf.tidy(() => k.assign(tf.mul(k, Math.sqrt(targets[i] / now[i])))));
}

/** What one run measured. */
export interface ProbeRun {
  readonly label: string;
  readonly seed: number;
  readonly peak: number;
  readonly finalLoss: number;
  readonly windows: number[];
  readonly valAccuracy: number;
  readonly testAccuracy: number;
  readonly seconds: number;
  /** Per group: RMS layer norm and mean effective rate at each mark; summed effective rate. */
  readonly groups: { name: string; norms: number[]; rates: number[]; summed: number }[];
  /** Per-kernel squared norms after `NORM_STEP` steps. */
  readonly normsAtStep: Float64Array;
  /** Dead ReLU channels at each mark. */
  readonly dead: DeadChannels[];
  /** Train loss of every step. */
  readonly losses: number[];
  /** Global gradient norm of every step. */
  readonly gradNorms: number[];
  /** Norm of every step's change of all trainable variables (kernels, BN, biases). */
  readonly updateNorms: number[];
  /** The rate the optimizer's schedule gives every step (`learningRateAt`). */
  readonly rates: number[];
}

async function runOne(
  dataset: Dataset,
  depth: number,
  seed: number,
  baseLr: number,
  total: number,
  config: ProbeConfig,
  transplant: Float64Array | undefined,
): Promise<ProbeRun> {
  const started = performance.now();
  const peak = baseLr * config.rateFactor;
  const model: Model = buildModel(
    { kind: "resnet", depth, width: CNN.model.width, seed },
    dataset.train.sampleShape,
    dataset.numClasses,
  );
  const optimizer = makeOptimizer(config, peak, total);
  const kernels = model.layers.map((l) => l.kernel);
  const groupOfKernel = kernels.map((k) => groupOf(k.name));
  const conv = kernels.map((_, i) => groupOfKernel[i] !== "head");
  const convKernels = kernels.filter((_, i) => conv[i]);
  const initial = await squaredNorms(kernels);
  if (config.kind === "warmup-normed") {
    rescale(convKernels, initial.filter((_, i) => conv[i]), transplant!.filter((_, i) => conv[i]));
  }
  const stepsPerEpoch = Math.floor(dataset.train.count / CNN.batchSizes[0]);
  const batchSize = CNN.batchSizes[0];
  const evalEvery = Math.max(1, Math.floor(total / CNN.evalPoints));
  const lastInterval = total % evalEvery === 0 ? evalEvery : total % evalEvery;
  const losses: number[] = [];
  const gradNormTrace: number[] = [];
  const updateNorms: number[] = [];
  const shown = marksFor(total);
  const marks = new Map<number, Float64Array>();
  const dead = new Map<number, DeadChannels>();
  const summed = new Float64Array(kernels.length);
  let normsAtStep = initial;
  let order: Int32Array | undefined;
  try {
    for (let step = 0; step < total; step++) {
      let norms = await squaredNorms(kernels);
      if (step === NORM_STEP) {
        normsAtStep = norms;
        if (config.kind === "none-reset") {
          rescale(convKernels, norms.filter((_, i) => conv[i]), initial.filter((_, i) => conv[i]));
          norms = await squaredNorms(kernels);
        }
      }
      if (shown.includes(step)) {
        marks.set(step, norms);
        dead.set(step, await deadChannels(model, dataset.validation!));
      }
      const eta = learningRateAt(optimizer, step);
      norms.forEach((n2, i) => summed[i] += eta / n2);
      if (step % stepsPerEpoch === 0) {
        order = shuffledOrder(dataset.train.count, seed, step / stepsPerEpoch);
      }
      const batch = gatherBatch(
        dataset.train,
        order!,
        (step % stepsPerEpoch) * batchSize,
        batchSize,
      );
      const before = model.params.map((v) => tf.clone(v));
      const { loss, norms: gradNorms } = trainStep(model, optimizer, batch.x, batch.y);
      const moved = tf.tidy(() =>
        tf.sqrt(tf.addN(model.params.map((v, i) => tf.sum(tf.square(tf.sub(v, before[i]))))))
      );
      updateNorms.push((await moved.data())[0]);
      tf.dispose([moved, ...before]);
      losses.push((await loss.data())[0]);
      // The last entry is the global gradient norm (trainStep's stepNorms).
      gradNormTrace.push((await gradNorms.data()).at(-1)!);
      tf.dispose([batch.x, batch.y, loss, gradNorms]);
    }
    marks.set(total, await squaredNorms(kernels));
    dead.set(total, await deadChannels(model, dataset.validation!));
    if (optimizer.iterations !== total) {
      throw new Error(`the optimizer counted ${optimizer.iterations} steps, not ${total}`);
    }
    const valAccuracy = await accuracy(model, dataset.validation!);
    const testAccuracy = await accuracy(model, dataset.test);
    const mean = (from: number, to: number) =>
      losses.slice(from - 1, to).reduce((a, b) => a + b, 0) / (to - from + 1);
    const edges = [1, ...shown.slice(1)];
    const groups = GROUPS.map((name) => {
      const members = kernels.map((_, i) => i).filter((i) => groupOfKernel[i] === name);
      const at = (s: number) => {
        const n2 = marks.get(s)!;
        const meanN2 = members.reduce((a, i) => a + n2[i], 0) / members.length;
        const eta = learningRateAt(optimizer, s);
        return {
          norm: Math.sqrt(meanN2),
          rate: members.reduce((a, i) => a + eta / n2[i], 0) / members.length,
        };
      };
      return {
        name,
        norms: shown.map((s) => at(s).norm),
        rates: shown.map((s) => at(s).rate),
        summed: members.reduce((a, i) => a + summed[i], 0) / members.length,
      };
    });
    return {
      label: config.label,
      seed,
      peak,
      finalLoss: mean(total - lastInterval + 1, total),
      windows: [
        mean(edges[0], edges[1]),
        mean(edges[1] + 1, edges[2]),
        mean(edges[2] + 1, edges[3]),
        mean(edges[3] + 1, edges[4]),
      ],
      valAccuracy,
      testAccuracy,
      seconds: (performance.now() - started) / 1000,
      groups,
      normsAtStep,
      dead: shown.map((s) => dead.get(s)!),
      losses,
      gradNorms: gradNormTrace,
      updateNorms,
      rates: losses.map((_, t) => learningRateAt(optimizer, t)),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

const f = (x: number, digits = 4) => x.toFixed(digits);
/** How many first steps the per-step trace shows one by one. */
const TRACE_STEPS = 20;
const everyTenth = (xs: number[]) => xs.filter((_, t) => t >= TRACE_STEPS && t % 10 === 0);
const g = (x: number) => x.toPrecision(3);

/** The printed block of one run. */
export function formatRun(run: ProbeRun, total: number): string {
  const shown = marksFor(total);
  const lines = [
    `${run.label} seed ${run.seed} peak ${run.peak}: final train loss ${f(run.finalLoss)}  ` +
    `val ${f(run.valAccuracy)}  test ${f(run.testAccuracy)}  loss by window ` +
    `${run.windows.map((w) => f(w, 3)).join(" / ")}  (${f(run.seconds, 0)} s)`,
    `  group   ||w|| @ ${shown.join(",")}`.padEnd(52) +
    `eta/||w||^2 @ ${shown.slice(0, -1).join(",")}`
      .padEnd(42) +
    "sum over run",
  ];
  const traced = Math.min(TRACE_STEPS, run.losses.length);
  const row = (name: string, values: number[], digits: number) =>
    `  ${name.padEnd(9)}` + values.map((x) => x.toFixed(digits)).join(" ");
  lines.push(
    `  steps 0-${traced - 1}, then every 10th to ${run.losses.length - 1}:`,
    row("rate", [...run.rates.slice(0, traced), ...everyTenth(run.rates)], 3),
    row("loss", [...run.losses.slice(0, traced), ...everyTenth(run.losses)], 2),
    row("|grad|", [...run.gradNorms.slice(0, traced), ...everyTenth(run.gradNorms)], 2),
    row("|dw|", [...run.updateNorms.slice(0, traced), ...everyTenth(run.updateNorms)], 2),
  );
  lines.push(
    `  dead     inner ${run.dead.map((d) => d.inner[0]).join(",")} of ${run.dead[0].inner[1]}, ` +
      `outer ${run.dead.map((d) => d.outer[0]).join(",")} of ${run.dead[0].outer[1]} ReLU channels`,
  );
  for (const grp of run.groups) {
    lines.push(
      `  ${grp.name.padEnd(7)} ${grp.norms.map((n) => f(n, 2).padStart(6)).join(" ")}`.padEnd(52) +
        grp.rates.slice(0, -1).map((r) => g(r).padStart(9)).join(" ").padEnd(42) + g(grp.summed),
    );
  }
  return lines.join("\n");
}

const HELP = `usage: bench/warmup_probe.ts [options]

Trains the cnn preset's ResNet under warmup / no-warmup and weight-norm interventions and
prints loss, accuracy, per-group weight norms and effective rates (see the module doc).

  --depth N        ResNet depth (default 20)
  --lr X           base rate per 256 samples (default 0.1)
  --seeds LIST     model and data-order seeds (default 1)
  --steps N        optimizer steps (default: the preset's, 150)
  --configs LIST   none, warmup, warmup:K, warmup-normed, none-reset, each optionally
                   followed by +ratefirst and by *m
                   (default none,warmup)
  --backend NAME   native | wasm | cpu (default native)
  --unfused        the tf.js reference ops one by one instead of the fused kernels
  -h, --help       show this text`;

if (import.meta.main) {
  Deno.exit(
    await guard("warmup_probe", async () => {
      const parsed = parseCommand({
        name: "warmup_probe",
        help: HELP,
        options: {
          depth: { type: "string", default: "20" },
          lr: { type: "string", default: "0.1" },
          seeds: { type: "string", default: "1" },
          steps: { type: "string" },
          configs: { type: "string", default: "none,warmup" },
          backend: { type: "string", default: "native" },
          unfused: { type: "boolean" },
        },
      }, Deno.args);
      if (parsed === undefined) return 0;
      const v = parsed.values;
      const depth = intOption("depth", v.depth, 8, 110);
      const baseLr = numberOption("lr", v.lr, 1e-9);
      const seeds = listOption("seeds", v.seeds, (n, s) => intOption(n, s, 0));
      const configs = listOption("configs", v.configs, (_, s) => parseProbeConfig(s));
      const backend = choiceOption("backend", v.backend, ["native", "wasm", "cpu"] as const);
      const dataset = await loadGridDataset(CNN.dataset);
      const total = v.steps === undefined
        ? plannedSteps(CNN, CNN.batchSizes[0], dataset.train.count)
        : intOption("steps", v.steps, NORM_STEP + 1);
      await startBackend(() =>
        useBackend(backend, { threads: 1, kernels: "reproducible", fused: v.unfused !== true })
      );
      console.log(
        `cnn preset ResNet-${depth} width ${CNN.model.width}, batch ${CNN.batchSizes[0]}, ` +
          `${total} steps, base rate ${baseLr}, backend ${backend}` +
          (v.unfused ? " (unfused)" : " (fused)"),
      );
      for (const seed of seeds) {
        let reference: Float64Array | undefined;
        const none = parseProbeConfig("none");
        for (const config of configs) {
          if (config.kind === "warmup-normed" && reference === undefined) {
            const run = await runOne(dataset, depth, seed, baseLr, total, none, undefined);
            console.log(formatRun(run, total));
            reference = run.normsAtStep;
          }
          const run = await runOne(dataset, depth, seed, baseLr, total, config, reference);
          if (config.label === "none") reference = run.normsAtStep;
          console.log(formatRun(run, total));
        }
      }
      return 0;
    }),
  );
}
