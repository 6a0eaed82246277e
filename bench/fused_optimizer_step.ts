/**
 * Time of ONE `applyGradients` of LALC, LARS and LAMB against momentum's, fused
 * (`MultiTensorUpdate`, one kernel per step) and by the chain (`setFusedKernels(false)`), on
 * the parameters of a 16-block MLP of width 64 and of width 256 (784 -> W, 15 more W x W
 * blocks with bias, BN gamma and beta; head W -> 10: 66 tensors). Goal: fused LALC and LARS
 * within 1.1x fused momentum. Prints the median of each and the ratios; about 20 s.
 *
 *     deno run --allow-read --allow-env --allow-ffi bench/fused_optimizer_step.ts [backend]
 *
 * `backend` defaults to `native`. The cases run round-robin (each its own tensors), so their
 * data is mostly out of cache, as in training, where the forward and backward passes evict it.
 *
 * Measured once on the shared 2-core machine (native, ratio to fused momentum's median):
 * 16x64: LALC 1.12x, LARS 1.11x, LAMB 2.10x (momentum 0.61 ms fused, 1.38 ms chain);
 * 16x256: LALC 1.21x, LARS 1.21x, LAMB 2.16x (momentum 5.4 ms fused, 4.8 ms chain). Fused
 * LALC/LARS cost one more read of `w` and `g` (the norms) than momentum; at width 256 the
 * fused JS loops are no faster than the chain of native's SIMD, multi-threaded kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../src/backend/backend.ts";
import { setFusedKernels } from "../src/kernels/switch.ts";
import { lalc } from "../src/optim/lalc.ts";
import { lamb } from "../src/optim/lamb.ts";
import { lars } from "../src/optim/lars.ts";
import { momentum } from "../src/optim/momentum.ts";
import type { ChainOptimizer } from "../src/optim/optimizer.ts";

const backend = (Deno.args[0] ?? "native") as BackendName;
await useBackend(backend);

function mlpShapes(width: number): Array<[string, number[]]> {
  const shapes: Array<[string, number[]]> = [];
  for (let b = 0; b < 16; b++) {
    shapes.push([`block${b}/kernel`, [b === 0 ? 784 : width, width]]);
    for (const role of ["bias", "gamma", "beta"]) shapes.push([`block${b}/${role}`, [width]]);
  }
  shapes.push(["head/kernel", [width, 10]], ["head/bias", [10]]);
  return shapes;
}

const OPTIMIZERS: Array<[string, () => ChainOptimizer]> = [
  ["momentum", () => momentum({ learningRate: 0.1 })],
  ["lalc", () => lalc({ learningRate: 0.1, weightDecay: 5e-4 })],
  ["lars", () => lars({ learningRate: 0.1, weightDecay: 5e-4 })],
  ["lamb", () => lamb({ learningRate: 1e-3, weightDecay: 0.01 })],
];

/** One timed configuration: its own params, gradients and optimizer. */
interface Case {
  name: string;
  fused: boolean;
  params: tf.Variable[];
  grads: Array<{ name: string; tensor: tf.Tensor }>;
  opt: ChainOptimizer;
  times: number[];
}

function makeCase(width: number, name: string, make: () => ChainOptimizer, fused: boolean): Case {
  const tag = `bench${width}/${name}/${fused}`;
  const params = mlpShapes(width).map(([role, shape], i) =>
    tf.variable(tf.randomNormal(shape, 0, 0.05, "float32", i), true, `${tag}/${role}`)
  );
  const grads = params.map((p, i) => ({
    name: p.name,
    tensor: tf.randomNormal(p.shape, 0, 1e-3, "float32", 1000 + i),
  }));
  return { name, fused, params, grads, opt: make(), times: [] };
}

/** One step of `c`, in milliseconds (host backends run kernels synchronously). */
function step(c: Case): number {
  setFusedKernels(c.fused);
  const t0 = performance.now();
  c.opt.applyGradients(c.grads);
  c.params[0].dataSync(); // waits for any backend that would not
  const ms = performance.now() - t0;
  setFusedKernels(true);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`backend ${backend}; median ms of one applyGradients; ratio to momentum's`);
for (const width of [64, 256]) {
  const cases = OPTIMIZERS.flatMap(([name, make]) =>
    [true, false].map((fused) => makeCase(width, name, make, fused))
  );
  // Round-robin, so that drift of the shared machine and heap growth hit every case alike;
  // the first 10 rounds are untimed (V8 optimizes a kernel body after its first calls).
  const reps = width === 64 ? 60 : 25;
  for (let r = 0; r < reps + 10; r++) {
    for (const c of cases) {
      const ms = step(c);
      if (r >= 10) c.times.push(ms);
    }
  }
  const at = (name: string, fused: boolean) =>
    median(cases.find((c) => c.name === name && c.fused === fused)!.times);
  for (const [name] of OPTIMIZERS) {
    const [fused, chain] = [at(name, true), at(name, false)];
    console.log(
      `16x${width} ${name.padEnd(8)} fused ${fused.toFixed(3)} ms (${
        (fused / at("momentum", true)).toFixed(2)
      }x)  chain ${chain.toFixed(3)} ms (${(chain / at("momentum", false)).toFixed(2)}x)  ` +
        `chain/fused ${(chain / fused).toFixed(1)}`,
    );
  }
  for (const c of cases) {
    c.opt.dispose();
    tf.dispose([...c.params, ...c.grads.map((g) => g.tensor)]);
  }
}
