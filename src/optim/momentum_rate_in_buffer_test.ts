/**
 * Momentum SGD's `rateInBuffer` option: the rate scales each gradient before the momentum sum
 * (`v = mu*v + eta_t*g; w -= v`) instead of the whole buffer after it. Checked by hand on a
 * scalar, against float64 arithmetic under a changing rate, against the default at a
 * constant rate, on the chain and the fused kernel, and through the config.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { setFusedKernels } from "../kernels/switch.ts";
import { momentum, MomentumOptimizer } from "./momentum.ts";
import { linearSchedule } from "./schedule.ts";
import {
  assertClose,
  gradValues,
  makeParams,
  PROBLEM,
  runSteps,
  valuesOf,
} from "./_test_problem.ts";
import { maxRelativeDiff } from "./_test_fused.ts";

await useBackend("cpu");

/** Runs `body` with the fused kernels on or off (the chain), switching them back on after. */
function withFused<T>(fused: boolean, body: () => T): T {
  setFusedKernels(fused);
  try {
    return body();
  } finally {
    setFusedKernels(true);
  }
}

const PATHS = [["chain", false], ["fused", true]] as const;

Deno.test("rateInBuffer: three steps of a ramp on one scalar, by hand, chain and fused", async () => {
  // w0 = 1, mu = 0.5, rates 0.1, 0.2, 0.3, gradients 1, 2, -1.
  // Inside:  v = 0.1, 0.05 + 0.4 = 0.45, 0.225 - 0.3 = -0.075; w = 0.9, 0.45, 0.525.
  // Nesterov (w -= eta*g + mu*v): w = 1 - 0.15 = 0.85, 0.85 - 0.625 = 0.225, 0.225 + 0.3375.
  // Outside (the default): a = 1, 2.5, 0.25; w = 0.9, 0.9 - 0.2*2.5 = 0.4, 0.4 - 0.3*0.25.
  const cases = [
    { rateInBuffer: true, useNesterov: false, w: [0.9, 0.45, 0.525], slot: 0.075 },
    { rateInBuffer: true, useNesterov: true, w: [0.85, 0.225, 0.5625], slot: 0.075 },
    { rateInBuffer: false, useNesterov: false, w: [0.9, 0.4, 0.325], slot: 0.25 },
  ];
  const grads = [1, 2, -1];
  for (const [path, fused] of PATHS) {
    for (const { rateInBuffer, useNesterov, w: expected, slot } of cases) {
      const label = `${path} rateInBuffer=${rateInBuffer} nesterov=${useNesterov}`;
      const before = tf.memory().numTensors;
      const opt = momentum({
        learningRate: (t) => 0.1 * (t + 1),
        momentum: 0.5,
        useNesterov,
        rateInBuffer,
      });
      const name = `ramp/${path}/${rateInBuffer}/${useNesterov}`;
      const w = tf.tidy(() => tf.variable(tf.ones([1]), true, name));
      const seen: number[] = [];
      withFused(fused, () => {
        for (const g of grads) {
          const grad = tf.tensor1d([g]);
          opt.applyGradients({ [w.name]: grad });
          grad.dispose();
          seen.push(w.dataSync()[0]);
        }
      });
      // The rates 0.1, 0.2, 0.3 are not float32 numbers: one rounding per step or so.
      assertClose(seen, expected, label, 0, 1e-6);
      // The slot holds -v inside the buffer (the step added to w); the default's holds a.
      const weights = await opt.getWeights();
      const buffer = (await weights[1].tensor.data())[0];
      assert.ok(Math.abs(buffer - slot) <= 1e-6, `${label}: slot ${buffer}, expected ${slot}`);
      tf.dispose(weights[0].tensor);
      opt.dispose();
      w.dispose();
      assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
    }
  }
});

/** The rate inside the buffer in float64: v = mu v + eta g; w -= v (Nesterov: eta g + mu v). */
function reference(rate: (t: number) => number, mu: number, nesterov: boolean, steps: number) {
  const w = PROBLEM.map((p) => p.init.slice());
  const v = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      wi.forEach((_, j) => {
        v[i][j] = mu * v[i][j] + rate(t) * g[j];
        wi[j] -= nesterov ? rate(t) * g[j] + mu * v[i][j] : v[i][j];
      });
    });
  }
  return w;
}

Deno.test("rateInBuffer follows v = mu*v + eta_t*g; w -= v under a changing rate, chain and fused", () => {
  const schedule = linearSchedule({ init: 0.3, end: 0.05, steps: 3 });
  for (const [path, fused] of PATHS) {
    for (const nesterov of [false, true]) {
      const params = makeParams();
      const before = tf.memory().numTensors;
      const opt = momentum({
        learningRate: schedule,
        momentum: 0.8,
        useNesterov: nesterov,
        rateInBuffer: true,
      });
      withFused(fused, () => runSteps(opt, params, 5));
      const expected = reference(schedule, 0.8, nesterov, 5);
      // assertClose's defaults (2e-5 relative, 1e-7 absolute), as the default form's test.
      valuesOf(params).forEach((v, i) =>
        assertClose(v, expected[i], `${path} nesterov=${nesterov} p${i}`)
      );
      opt.dispose();
      assert.equal(tf.memory().numTensors, before, `${path} nesterov=${nesterov}: leaked`);
      tf.dispose(params);
    }
  }
});

// Measured on cpu over 20 steps at rate 0.1, mu 0.9, relative to each tensor's largest weight:
// chain 1.9e-7 (Nesterov 4.0e-7), fused 4.2e-7 (6.0e-7), a few float32 roundings;
// tolerance 2e-6.
const CONSTANT_RATE_RTOL = 2e-6;

Deno.test("at a constant rate rateInBuffer follows the default's trajectory to float32 rounding, 20 steps", () => {
  const report: string[] = [];
  for (const [path, fused] of PATHS) {
    for (const useNesterov of [false, true]) {
      const [inside, outside] = [makeParams(), makeParams()];
      const before = tf.memory().numTensors;
      const a = momentum({ learningRate: 0.1, useNesterov, rateInBuffer: true });
      const b = momentum({ learningRate: 0.1, useNesterov });
      let worst = 0;
      withFused(fused, () => {
        for (let t = 0; t < 20; t++) {
          runSteps(a, inside, 1, t);
          runSteps(b, outside, 1, t);
          valuesOf(inside).forEach((v, i) => {
            worst = Math.max(worst, maxRelativeDiff(v, valuesOf(outside)[i]));
          });
        }
      });
      report.push(`${path} nesterov=${useNesterov}: ${worst.toExponential(1)}`);
      assert.ok(worst <= CONSTANT_RATE_RTOL, `${path} nesterov=${useNesterov}: ${worst}`);
      // The weights moved far more than that: the comparison is not of two idle runs.
      const moved = Math.max(
        ...valuesOf(outside).map((v, i) => maxRelativeDiff(v, PROBLEM[i].init)),
      );
      assert.ok(moved > 0.1, `the weights moved by ${moved} only`);
      a.dispose();
      b.dispose();
      assert.equal(tf.memory().numTensors, before, `${path} nesterov=${useNesterov}: leaked`);
      tf.dispose([...inside, ...outside]);
    }
  }
  console.log(`largest relative difference over 20 steps\n  ${report.join("\n  ")}`);
});

Deno.test("rateInBuffer under a ramp moves the weights otherwise than the default", () => {
  const ramp = linearSchedule({ init: 0, end: 0.1, steps: 8 });
  const [inside, outside] = [makeParams(), makeParams()];
  const a = momentum({ learningRate: ramp, rateInBuffer: true });
  const b = momentum({ learningRate: ramp });
  runSteps(a, inside, 8);
  runSteps(b, outside, 8);
  const gap = Math.max(...valuesOf(inside).map((v, i) => maxRelativeDiff(v, valuesOf(outside)[i])));
  // The float64 references differ by as much; far above float32 rounding (1e-7).
  const [x, y] = [reference(ramp, 0.9, false, 8), referenceOutside(ramp, 0.9, 8)];
  const expected = Math.max(...x.map((v, i) => maxRelativeDiff(v, y[i])));
  // Measured: 1.7 of the largest weight after 8 steps of a ramp from 0 to 0.1 (on the kernel
  // that starts at zero, whose weights are the steps themselves).
  assert.ok(expected > 0.01, `${expected}`);
  assert.ok(Math.abs(gap - expected) <= 1e-5, `${gap} vs ${expected}`);
  console.log(`8-step ramp: inside vs outside the buffer differ by ${gap.toExponential(2)}`);
  a.dispose();
  b.dispose();
  tf.dispose([...inside, ...outside]);
});

/** The default form in float64: a = mu a + g; w -= eta a. */
function referenceOutside(rate: (t: number) => number, mu: number, steps: number) {
  const w = PROBLEM.map((p) => p.init.slice());
  const a = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      wi.forEach((_, j) => {
        a[i][j] = mu * a[i][j] + g[j];
        wi[j] -= rate(t) * a[i][j];
      });
    });
  }
  return w;
}

Deno.test("rateInBuffer: checked as a boolean, in the config only when true, old configs read false", () => {
  assert.throws(
    () => momentum({ learningRate: 0.1, rateInBuffer: "yes" as unknown as boolean }),
    /momentum: rateInBuffer must be true or false, got yes/,
  );
  const cls = MomentumOptimizer as unknown as tf.serialization.SerializableConstructor<
    MomentumOptimizer
  >;
  const plain = momentum({ learningRate: 0.1 });
  assert.deepEqual(Object.keys(plain.getConfig()).sort(), [
    "learningRate",
    "momentum",
    "useNesterov",
  ]);
  const inside = momentum({ learningRate: 0.1, useNesterov: true, rateInBuffer: true });
  assert.equal(inside.getConfig().rateInBuffer, true);
  const back = MomentumOptimizer.fromConfig(cls, inside.getConfig());
  assert.deepEqual(back.options, inside.options);
  const old = MomentumOptimizer.fromConfig(cls, { learningRate: 0.1, momentum: 0.9 });
  assert.equal(old.options.rateInBuffer, false);
  for (const o of [plain, inside, back, old]) o.dispose();
});
