/**
 * Test helpers for the fused optimizer update: the option sets it is checked on, one step
 * from the same state with the fused kernel and with the chain, and a short training run.
 * Used by `fused_update_test.ts` and, on webgpu, by `_test_fused_webgpu_probe.ts`. Not part
 * of the public API.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setFusedKernels } from "../kernels/switch.ts";
import { lalc } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { allTensors, nameMatches } from "./mask.ts";
import { momentum } from "./momentum.ts";
import type { ChainOptimizer } from "./optimizer.ts";

/** A changing rate, so each step's evaluated rate is what reaches the kernel. */
const rate = (t: number) => 0.05 + 0.01 * t;
/**
 * LAMB's: a tenth. At `rate` every LAMB step moves a layer by 5-35% of its norm, a chaotic
 * run in which float32 roundings grew to 1e-3 of the loss in 30 steps.
 */
const lambRate = (t: number) => 0.1 * rate(t);

/** One optimizer configuration under test. */
export interface OptionSet {
  /** Shown in messages. */
  readonly name: string;
  /** Which optimizer (the kernel's method). */
  readonly method: "momentum" | "lalc" | "lars" | "lamb";
  /** A fresh optimizer. */
  make(): ChainOptimizer;
}

/**
 * Every method with weight decay on and off, both masks, Nesterov, trustClip, LAMB's knobs,
 * momentum SGD with its rate outside and inside the buffer.
 */
export const OPTION_SETS: readonly OptionSet[] = [
  { name: "momentum", method: "momentum", make: () => momentum({ learningRate: rate }) },
  {
    name: "momentum nesterov",
    method: "momentum",
    make: () => momentum({ learningRate: rate, momentum: 0.8, useNesterov: true }),
  },
  {
    name: "momentum rateInBuffer",
    method: "momentum",
    make: () => momentum({ learningRate: rate, rateInBuffer: true }),
  },
  {
    name: "momentum rateInBuffer nesterov",
    method: "momentum",
    make: () =>
      momentum({ learningRate: rate, momentum: 0.8, useNesterov: true, rateInBuffer: true }),
  },
  { name: "lalc", method: "lalc", make: () => lalc({ learningRate: rate }) },
  {
    name: "lalc decay, clipped at 0.3 eta",
    method: "lalc",
    make: () => lalc({ learningRate: rate, weightDecay: 1e-3, maxRatio: 0.3, minRatio: 0.1 }),
  },
  {
    name: "lalc every tensor decayed and clipped",
    method: "lalc",
    make: () =>
      lalc({
        learningRate: rate,
        weightDecay: 1e-2,
        trustCoefficient: 0.5,
        weightDecayMask: allTensors(),
        trustRatioMask: allTensors(),
      }),
  },
  {
    name: "lalc no trust mask",
    method: "lalc",
    make: () => lalc({ learningRate: rate, trustRatioMask: nameMatches("^never$") }),
  },
  { name: "lars", method: "lars", make: () => lars({ learningRate: rate }) },
  {
    name: "lars decay nesterov",
    method: "lars",
    make: () => lars({ learningRate: rate, weightDecay: 5e-4, nesterov: true, epsilon: 1e-6 }),
  },
  {
    name: "lars trustClip",
    method: "lars",
    make: () =>
      lars({ learningRate: rate, trustClip: true, weightDecay: 1e-3, trustCoefficient: 0.02 }),
  },
  {
    name: "lars every tensor",
    method: "lars",
    make: () =>
      lars({
        learningRate: rate,
        weightDecay: 1e-3,
        weightDecayMask: allTensors(),
        trustRatioMask: allTensors(),
      }),
  },
  { name: "lamb", method: "lamb", make: () => lamb({ learningRate: lambRate }) },
  {
    name: "lamb decay",
    method: "lamb",
    make: () => lamb({ learningRate: lambRate, weightDecay: 0.01 }),
  },
  {
    name: "lamb trustClip every tensor",
    method: "lamb",
    make: () =>
      lamb({
        learningRate: lambRate,
        weightDecay: 0.01,
        trustClip: true,
        trustRatioMask: allTensors(),
        beta1: 0.5,
        epsilon: 1e-3,
      }),
  },
];

/** Kernels, biases, a BN-like gamma and a kernel that stays zero (both norms 0). */
const SHAPES: ReadonlyArray<{ name: string; shape: number[] }> = [
  { name: "dense1/kernel", shape: [8, 16] },
  { name: "dense1/bias", shape: [16] },
  { name: "bn/gamma", shape: [16] },
  { name: "dense2/kernel", shape: [16, 4] },
  { name: "dense2/bias", shape: [4] },
  { name: "zero/kernel", shape: [3, 3] },
];

let counter = 0;

function values(n: number, seed: number, scale: number): number[] {
  return Array.from({ length: n }, (_, j) => Math.sin(1.3 * j + 7.1 * seed) * scale);
}

/** Fresh variables of {@link SHAPES}, uniquely named; the zero kernel is zero. */
export function makeVariables(): tf.Variable[] {
  const tag = `fused${counter++}`;
  return SHAPES.map(({ name, shape }, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const init = name.startsWith("zero") ? new Array(n).fill(0) : values(n, i, 0.5);
    return tf.tidy(() => tf.variable(tf.tensor(init, shape), true, `${tag}/${name}`));
  });
}

/** Step `t`'s gradients (zero for the zero kernel). */
export function gradients(params: readonly tf.Variable[], t: number): tf.NamedTensorMap {
  const grads: tf.NamedTensorMap = {};
  params.forEach((p, i) => {
    const scale = p.name.includes("zero") ? 0 : 0.1 * (1 + i);
    grads[p.name] = tf.tensor(values(p.size, 3 * i + t + 0.5, scale), p.shape);
  });
  return grads;
}

/** Applies steps `from .. from+steps-1`, fused or by the chain. */
export function runSteps(
  opt: ChainOptimizer,
  params: readonly tf.Variable[],
  from: number,
  steps: number,
  fused: boolean,
): void {
  setFusedKernels(fused);
  try {
    for (let t = from; t < from + steps; t++) {
      const grads = gradients(params, t);
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
  } finally {
    setFusedKernels(true);
  }
}

/**
 * The largest `|a - b|` over the elements, relative to the largest `|b|` (0 when both are
 * all zero). Per element relative differences are no measure here: a momentum buffer's
 * element near zero is a cancellation (`a + mu*m`), and there one float32 rounding more or
 * less in the chain moved it by 4e-5 of itself while it stayed 1e-7 of the tensor's scale.
 */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

/**
 * Three chain steps on two copies, then step 3 fused on one and chained on the other: the
 * largest relative difference over every param and slot, and the slot names of each.
 */
export async function oneStepDiff(set: OptionSet): Promise<{
  params: number;
  slots: number;
  names: [string[], string[]];
}> {
  const [fusedParams, chainParams] = [makeVariables(), makeVariables()];
  const [fusedOpt, chainOpt] = [set.make(), set.make()];
  runSteps(fusedOpt, fusedParams, 0, 3, false);
  runSteps(chainOpt, chainParams, 0, 3, false);
  runSteps(fusedOpt, fusedParams, 3, 1, true);
  runSteps(chainOpt, chainParams, 3, 1, false);
  let params = 0, slots = 0;
  for (let i = 0; i < fusedParams.length; i++) {
    const [a, b] = [await fusedParams[i].data(), await chainParams[i].data()];
    params = Math.max(params, maxRelativeDiff(a, b));
  }
  const [wa, wb] = [await fusedOpt.getWeights(), await chainOpt.getWeights()];
  for (let k = 0; k < wa.length; k++) {
    const [a, b] = [await wa[k].tensor.data(), await wb[k].tensor.data()];
    slots = Math.max(slots, maxRelativeDiff(a, b));
  }
  const strip = (name: string) => name.replace(/^fused\d+\//, "");
  const names: [string[], string[]] = [wa.map((w) => strip(w.name)), wb.map((w) => strip(w.name))];
  tf.dispose([...wa.slice(0, 1), ...wb.slice(0, 1)].map((w) => w.tensor));
  fusedOpt.dispose();
  chainOpt.dispose();
  tf.dispose([...fusedParams, ...chainParams]);
  return { params, slots, names };
}

/** A small MLP's loss on fixed data, for {@link trainingLosses}. */
function mlpLoss(params: readonly tf.Variable[]): tf.Scalar {
  return tf.tidy(() => {
    const [w1, b1, gamma, w2, b2] = params;
    const x = tf.tensor(values(32 * 8, 11, 1), [32, 8]);
    const y = tf.tensor(values(32 * 4, 13, 1), [32, 4]);
    const h = tf.mul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), gamma);
    return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, w2), b2), y)));
  });
}

/** The losses of `steps` steps of `set` on the MLP, fused or by the chain. */
export async function trainingLosses(
  set: OptionSet,
  steps: number,
  fused: boolean,
): Promise<number[]> {
  const params = makeVariables().slice(0, 5);
  const opt = set.make();
  const losses: number[] = [];
  setFusedKernels(fused);
  try {
    for (let t = 0; t < steps; t++) {
      const loss = opt.minimize(() => mlpLoss(params), true, params)!;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
  } finally {
    setFusedKernels(true);
  }
  opt.dispose();
  tf.dispose(params);
  return losses;
}
