/**
 * `train`: train one model with one optimizer and print its metrics.
 *
 * ```sh
 * deno task train --dataset fashion-mnist --model mlp --depth 16 --width 256 \
 *   --batch-size 256 --optimizer momentum --lr 0.1 --steps 50 --json
 * ```
 *
 * @module
 */
import { describeKernels } from "../backend/kernel_identity.ts";
import { setNativeKernelMode } from "../backend/native_ffi.ts";
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, BACKENDS, useBackend } from "../backend/backend.ts";
import { defaultBackendWithNote, stopWithBackendAdvice } from "../cli/backend.ts";
import { DATASETS, loadDataset } from "../data/by_name.ts";
import { MODEL_KINDS } from "../models/types.ts";
import { lalc } from "../optim/lalc.ts";
import { lamb } from "../optim/lamb.ts";
import { lars } from "../optim/lars.ts";
import { momentum } from "../optim/momentum.ts";
import { choiceOption, CliError, intOption, numberOption, parseCommand } from "../cli/args.ts";
import { asInputError, startBackend } from "../cli/guard.ts";
import { batchProblem, modelProblem, TRAIN_LIMITS } from "./limits.ts";
import { trainRun } from "./run.ts";
import { formatProfile, profileTraining } from "./profile.ts";

/** Optimizers selectable with `--optimizer`, each at a constant `--lr`. */
const OPTIMIZERS: Record<string, (lr: number, weightDecay: number) => tf.Optimizer> = {
  momentum: (lr) => momentum({ learningRate: lr }),
  lalc: (lr, weightDecay) => lalc({ learningRate: lr, weightDecay }),
  lars: (lr, weightDecay) => lars({ learningRate: lr, weightDecay }),
  lamb: (lr, weightDecay) => lamb({ learningRate: lr, weightDecay }),
  sgd: (lr) => tf.train.sgd(lr),
  adam: (lr) => tf.train.adam(lr),
};

const HELP = `usage: cli.ts train [options]

Trains one model with one optimizer and prints its metrics.

  --dataset NAME      ${DATASETS.join(" | ")} (default fashion-mnist; without the
                      full set on this machine, the shipped subset, with a warning)
  --data-dir DIR      where the dataset's files are
  --model KIND        ${MODEL_KINDS.join(" | ")} (default mlp)
  --depth N           BN-ReLU blocks (resnet: 6n+2 layers) (default 16)
  --width N           hidden width / base channels (default 256)
  --batch-size N      (default 256)
  --optimizer NAME    ${Object.keys(OPTIMIZERS).join(" | ")} (default momentum)
  --lr X              constant learning rate (default 0.1)
  --weight-decay X    for lalc, lars, lamb (default 0)
  --steps N           optimizer steps (default: one epoch)
  --epochs X          epochs, when --steps is not given
  --eval-every N      evaluate every N steps (default: at the end only)
  --seed N            model and data-order seed (default 1)
  --backend NAME      ${BACKENDS.join(" | ")} (default native where its libraries load,
                      else wasm)
  --threads N         threads of the native kernels (default: all cores)
  --fast              native: this processor's best kernels, not the reproducible
                      ones (AVX2, OpenBLAS Haswell) that give the same bits on every
                      x86-64 machine with AVX2
  --unfused           the unfused reference kernels (tf.js ops one by one) instead
                      of the fused training kernels
  --profile           after training, profile a few extra steps of a fresh model:
                      kernels per step, the top kernels by count and by time, the
                      matmul and conv share (JSON: the "profile" field)
  --json              print the result as JSON on the last line
  -h, --help          show this text`;

const OPTIONS = {
  dataset: { type: "string", default: "fashion-mnist" },
  "data-dir": { type: "string" },
  model: { type: "string", default: "mlp" },
  depth: { type: "string", default: "16" },
  width: { type: "string", default: "256" },
  "batch-size": { type: "string", default: "256" },
  optimizer: { type: "string", default: "momentum" },
  lr: { type: "string", default: "0.1" },
  "weight-decay": { type: "string", default: "0" },
  steps: { type: "string" },
  epochs: { type: "string" },
  "eval-every": { type: "string", default: "0" },
  seed: { type: "string", default: "1" },
  backend: { type: "string" },
  threads: { type: "string" },
  fast: { type: "boolean" },
  unfused: { type: "boolean" },
  profile: { type: "boolean" },
  json: { type: "boolean" },
} as const;

// Synthetic samples shaped like Fashion-MNIST's, so every --model (cnn too) accepts them.
const SYNTHETIC = { sampleShape: [28, 28, 1], seed: 1 } as const;

/**
 * Runs the `train` command with `args`; returns the exit code (0 ok, 1 run failed). Bad
 * arguments and unreadable data throw a {@link CliError} (src/cli.ts prints it as one line).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { main } from "./cli.ts";
 * const log = console.log;
 * const lines: string[] = [];
 * console.log = (s: string) => lines.push(s);
 * try {
 *   const args = ["--dataset", "synthetic", "--depth", "2", "--width", "8", "--steps", "2"];
 *   assertEquals(await main([...args, "--backend", "cpu", "--json"]), 0);
 * } finally {
 *   console.log = log;
 * }
 * assertEquals(JSON.parse(lines.at(-1)!).steps, 2);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const parsed = parseCommand({ name: "train", help: HELP, options: OPTIONS }, args);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  const dataset = choiceOption("dataset", v.dataset, DATASETS);
  const kind = choiceOption("model", v.model, MODEL_KINDS);
  const optimizerName = choiceOption("optimizer", v.optimizer, Object.keys(OPTIMIZERS));
  const backend = v.backend === undefined
    ? undefined
    : choiceOption("backend", v.backend, BACKENDS);
  const threads = v.threads === undefined ? undefined : intOption("threads", v.threads, 1, 1024);
  const L = TRAIN_LIMITS;
  const depth = intOption("depth", v.depth, 1, L.depth);
  const width = intOption("width", v.width, 1, L.width);
  // The rules a grid's cells meet too (limits.ts): refused before any data or backend loads.
  const model = modelProblem(kind, depth, width);
  if (model !== undefined) throw new CliError(`--model/--depth/--width: ${model}`);
  const batchSize = intOption("batch-size", v["batch-size"], 1);
  const lr = numberOption("lr", v.lr, 0);
  const weightDecay = numberOption("weight-decay", v["weight-decay"], 0);
  const steps = v.steps === undefined ? undefined : intOption("steps", v.steps, 1, L.steps);
  const epochs = v.epochs === undefined
    ? undefined
    : numberOption("epochs", v.epochs, 1e-9, L.epochs);
  if (v["data-dir"] !== undefined && v["data-dir"].trim() === "") {
    throw new CliError(`--data-dir: "${v["data-dir"]}" is not allowed; expected a folder path`);
  }
  const evalEvery = intOption("eval-every", v["eval-every"], 0);
  const seed = intOption("seed", v.seed, 0, 2 ** 31 - 1);

  const data = await asInputError(() =>
    loadDataset(dataset, { dataDir: v["data-dir"], synthetic: SYNTHETIC })
  );
  // A backend that cannot start (no libraries, no adapter) is the user's choice to change.
  // Before the default backend is probed: that opens the native libraries, in this mode.
  const kernels = v.fast === true ? "fast" : "reproducible";
  setNativeKernelMode(kernels);
  await startBackend(async () =>
    useBackend(backend ?? await defaultBackendWithNote(), {
      threads,
      kernels,
      fused: v.unfused !== true,
      onDeviceError: stopWithBackendAdvice,
    })
  );
  const batch = batchProblem(batchSize, data.train.count, data.name);
  if (batch !== undefined) {
    throw new CliError(`--batch-size: "${batchSize}" is not allowed; ${batch}`);
  }
  const result = await trainRun({
    dataset: data,
    model: { kind, depth, width, seed },
    makeOptimizer: () => OPTIMIZERS[optimizerName](lr, weightDecay),
    batchSize,
    steps,
    epochs: steps === undefined ? (epochs ?? 1) : undefined,
    seed,
    evalEvery,
    onPoint: v.json ? undefined : (p) =>
      console.log(
        `step ${p.step}  epoch ${p.epoch.toFixed(2)}  loss ${p.trainLoss.toFixed(4)}  ` +
          `test acc ${Number.isNaN(p.testAccuracy) ? "-" : p.testAccuracy.toFixed(4)}`,
      ),
  });
  // Extra steps on a fresh model: the run's numbers above are untouched.
  const profile = v.profile === true && result.status !== "error"
    ? await profileTraining({
      dataset: data,
      model: { kind, depth, width, seed },
      makeOptimizer: () => OPTIMIZERS[optimizerName](lr, weightDecay),
      batchSize,
      seed,
    })
    : undefined;
  if (profile !== undefined && !v.json) console.log(formatProfile(profile));
  const summary = {
    dataset: data.name,
    model: kind,
    depth,
    width,
    batchSize,
    optimizer: optimizerName,
    lr,
    backend: backendInfo().name,
    kernels: describeKernels(backendInfo().kernels),
    status: result.status,
    steps: result.steps,
    trainLoss: result.finalTrainLoss,
    testAccuracy: result.finalTestAccuracy,
    samplesPerSec: result.samplesPerSec,
    wallSeconds: result.wallSeconds,
    maxGradNorm: result.maxGradNorm,
    maxGradNormAfterFirst: result.maxGradNormAfterFirst,
    gradNormGrowth: result.gradNormGrowth,
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(profile !== undefined && v.json ? { profile } : {}),
  };
  console.log(v.json ? JSON.stringify(summary) : summary);
  return result.status === "error" ? 1 : 0;
}
