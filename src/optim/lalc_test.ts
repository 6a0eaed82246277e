import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lalc } from "./lalc.ts";
import { allTensors } from "./mask.ts";
import { warmupCosine } from "./schedule.ts";
import {
  assertClose,
  gradValues,
  makeParams,
  norm,
  PROBLEM,
  runSteps,
  valuesOf,
} from "./_test_problem.ts";

await useBackend("cpu");

interface Ref {
  rate: (t: number) => number;
  mu: number;
  lambda: number;
  kappa: number;
  rho: number;
  maxRatio: number;
  eps: number;
  exclude: (i: number) => boolean;
}

/** LALC exactly as docs/method.md writes it, in float64. */
function reference(r: Ref, steps: number): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const v = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    const eta = r.rate(t);
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      let u = g, etaW = eta;
      if (!r.exclude(i)) {
        u = g.map((x, j) => x + r.lambda * wi[j]);
        const wn = norm(wi), un = norm(u);
        const local = wn === 0 || un === 0 ? eta : r.kappa * wn / (un + r.eps);
        etaW = Math.min(Math.max(local, r.rho * eta), r.maxRatio * eta);
      }
      wi.forEach((_, j) => {
        v[i][j] = r.mu * v[i][j] + etaW * u[j];
        wi[j] -= v[i][j];
      });
    });
  }
  return w;
}

Deno.test("lalc follows docs/method.md over a schedule, with decay, exclusion and the zero-norm guard", () => {
  const schedule = warmupCosine({
    init: 0.05,
    peak: 0.5,
    warmupSteps: 2,
    decaySteps: 6,
    end: 0.01,
  });
  const options = {
    momentum: 0.9,
    weightDecay: 0.05,
    trustCoefficient: 0.05,
    minRatio: 0.1,
    maxRatio: 0.8,
  };
  const params = makeParams();
  const opt = lalc({ learningRate: schedule, ...options, epsilon: 1e-6 });
  runSteps(opt, params, 7);
  const expected = reference({
    rate: schedule,
    mu: 0.9,
    lambda: 0.05,
    kappa: 0.05,
    rho: 0.1,
    maxRatio: 0.8,
    eps: 1e-6,
    exclude: (i) => PROBLEM[i].shape.length <= 1,
  }, 7);
  valuesOf(params).forEach((v, i) => assertClose(v, expected[i], `p${i}`, 5e-5));
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lalc clips a layer's rate at the floor rho*eta and at the ceiling maxRatio*eta", async () => {
  const a = tf.variable(tf.ones([2, 2]), true, "clipA/kernel"); // ||w|| = 2
  const b = tf.variable(tf.ones([2, 2]), true, "clipB/kernel");
  const c = tf.variable(tf.ones([2, 2]), true, "clipC/kernel");
  const ga = tf.fill([2, 2], 100); // ||g|| = 200 -> local = 0.02 * 2 / 200 = 2e-4 < 1e-3
  const gb = tf.fill([2, 2], 0.001); // ||g|| = 0.002 -> local = 20 > 0.1
  const gc = tf.fill([2, 2], 0.2); // local = 0.02 * 2 / 0.4 = 0.1 > 0.05: ceiling too
  const opt = lalc({ learningRate: 0.1, epsilon: 0, recordLayerStats: true, maxRatio: 0.5 });
  opt.applyGradients({ [a.name]: ga, [b.name]: gb, [c.name]: gc });
  const stats = await opt.layerStats();
  assertClose(stats.map((s) => s.trustRatio), [2e-4, 20, 0.1], "local steps");
  assertClose(stats.map((s) => s.learningRate), [1e-3, 0.05, 0.05], "clipped rates");
  assertClose(a.dataSync(), [0.9, 0.9, 0.9, 0.9], "floor step: 1 - 1e-3 * 100");
  assertClose(b.dataSync(), [1 - 5e-5, 1 - 5e-5, 1 - 5e-5, 1 - 5e-5], "ceiling step");
  opt.dispose();
  tf.dispose([a, b, c, ga, gb, gc]);
});

Deno.test("lalc with rho = 0 and maxRatio = 1 equals NVIDIA LARC in clip mode", () => {
  // apex LARC, clip mode, constant lr, no weight decay, applied to every tensor:
  // c = min(kappa*||w||/(||g||+eps) / lr, 1) (1 when a norm is 0); buf = mu buf + c g; w -= lr buf.
  const lr = 0.3, kappa = 0.05, mu = 0.9, eps = 1e-8;
  const w = PROBLEM.map((p) => p.init.slice());
  const buf = w.map((x) => x.map(() => 0));
  for (let t = 0; t < 5; t++) {
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      const wn = norm(wi), gn = norm(g);
      const c = wn === 0 || gn === 0 ? 1 : Math.min(kappa * wn / (gn + eps) / lr, 1);
      wi.forEach((_, j) => {
        buf[i][j] = mu * buf[i][j] + c * g[j];
        wi[j] -= lr * buf[i][j];
      });
    });
  }
  const params = makeParams();
  const opt = lalc({
    learningRate: lr,
    trustCoefficient: kappa,
    minRatio: 0,
    maxRatio: 1,
    epsilon: eps,
    momentum: mu,
    trustRatioMask: allTensors(),
  });
  runSteps(opt, params, 5);
  valuesOf(params).forEach((v, i) => assertClose(v, w[i], `p${i}`, 5e-5));
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lalc rejects bad hyperparameters naming parameter, value and range", () => {
  assert.throws(
    () => lalc({ learningRate: -1 }),
    /lalc: learningRate must be a finite number >= 0, got -1/,
  );
  assert.throws(
    () => lalc({ learningRate: 1, minRatio: 0.5, maxRatio: 0.2 }),
    /minRatio must be <= maxRatio \(0\.2\), got 0\.5/,
  );
  assert.throws(() => lalc({ learningRate: 1, minRatio: -0.1 }), /minRatio.*>= 0, got -0\.1/);
  assert.throws(
    () => lalc({ learningRate: 1, trustCoefficient: -1 }),
    /trustCoefficient.*> 0, got -1/,
  );
  assert.throws(() => lalc({ learningRate: 1, momentum: NaN }), /momentum.*\[0, 1\), got NaN/);
  assert.throws(() => lalc({ learningRate: 1, epsilon: -1 }), /epsilon.*got -1/);
  assert.throws(() => lalc({ learningRate: 1, weightDecay: Infinity }), /weightDecay.*Infinity/);
});
