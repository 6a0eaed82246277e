/**
 * The three shipped grids. Every number that defines them lives here, with why it was
 * chosen; a user's own grid is a JSON file of the same shape (see `grid_spec.ts`).
 *
 * @module
 */
import { METHODS } from "./types.ts";
import type { GridSpec } from "./types.ts";

/**
 * `smoke`: for CI. Small MLPs on the Fashion-MNIST subset shipped in `fixtures/`, two batch
 * sizes, two depths, every method, three tuned rates; `deno test` runs it and the gate checks
 * it against `fixtures/thresholds.json`.
 */
export const SMOKE: GridSpec = {
  name: "smoke",
  description: "CI check: MLP width 32, depths 2 and 8, batch 32 and 512, every method, " +
    "3 tuned rates, 1 seed, 3 epochs on the shipped Fashion-MNIST subset",
  dataset: { name: "fashion-mnist-subset" },
  model: { kind: "mlp", width: 32 },
  methods: METHODS,
  batchSizes: [32, 512],
  depths: [2, 8],
  seeds: [1],
  epochs: 3,
  lrGrid: { points: 3, factor: Math.sqrt(10), tuneOn: "first-seed" },
  evalPoints: 3,
  evalSamples: 500,
  targetAccuracy: 0.7,
  divergenceFactor: 10,
  traceSteps: 20,
};

/**
 * `standard`: the CPU reproduction on full Fashion-MNIST (60k train, 10k test). Depths up
 * to 32 BN-ReLU blocks, batch sizes from 128 to 8192, two seeds, every method, three tuned
 * rates a factor sqrt(10) apart. Sized from measured runs: at 2 epochs the 180 runs took
 * 40 min on the 2-core machine while other jobs shared it (wasm, one thread), so 4 epochs
 * fit the two-hour budget. Four epochs leave batch 8192 with 28 steps: the large-batch
 * regime under a fixed epoch budget.
 */
export const STANDARD: GridSpec = {
  name: "standard",
  description: "CPU reproduction: MLP width 64, depths 4/16/32, batch 128/1024/8192, " +
    "every method, 3 tuned rates on seed 1 then seed 2 at the best, 4 epochs of full " +
    "Fashion-MNIST (180 runs)",
  dataset: { name: "fashion-mnist" },
  model: { kind: "mlp", width: 64 },
  methods: METHODS,
  batchSizes: [128, 1024, 8192],
  depths: [4, 16, 32],
  seeds: [1, 2],
  epochs: 4,
  lrGrid: { points: 3, factor: Math.sqrt(10), tuneOn: "first-seed" },
  evalPoints: 4,
  evalSamples: 1000,
  targetAccuracy: 0.85,
  divergenceFactor: 10,
  traceSteps: 50,
};

/**
 * `paper`: the paper-scale setting for a GPU: CIFAR-10 ResNets (6n+2 layers: 20, 56, 110),
 * batch sizes 256 to 16384, three seeds, 90 epochs as Goyal et al. Needs the CIFAR-10
 * binary files (`dataset.dataDir`) and a backend that trains CNNs (`webgpu`, `tensorflow`).
 */
export const PAPER: GridSpec = {
  name: "paper",
  description: "GPU scale: CIFAR-10 ResNet-20/56/110, batch 256 to 16384, every method, " +
    "5 tuned rates, 3 seeds, 90 epochs",
  dataset: { name: "cifar10", dataDir: "data/cifar-10-batches-bin" },
  model: { kind: "resnet", width: 16 },
  methods: METHODS,
  batchSizes: [256, 1024, 4096, 8192, 16384],
  depths: [3, 9, 18],
  seeds: [1, 2, 3],
  epochs: 90,
  lrGrid: { points: 5, factor: 2, tuneOn: "first-seed" },
  evalPoints: 30,
  evalSamples: 10000,
  targetAccuracy: 0.9,
  divergenceFactor: 10,
  traceSteps: 200,
};

/** The shipped grids by name. */
export const PRESETS: Readonly<Record<string, GridSpec>> = {
  smoke: SMOKE,
  standard: STANDARD,
  paper: PAPER,
};

/**
 * The preset called `name`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { presetByName } from "./presets.ts";
 * assertEquals(presetByName("smoke").batchSizes, [32, 512]);
 * ```
 */
export function presetByName(name: string): GridSpec {
  const preset = PRESETS[name];
  if (preset === undefined) {
    throw new Error(`unknown preset "${name}"; allowed: ${Object.keys(PRESETS).join(", ")}`);
  }
  return preset;
}
