import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lamb } from "./lamb.ts";
import { cosineDecay } from "./schedule.ts";
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

/** optax.lamb in float64 (excluded tensors: no decay, no ratio). */
function reference(
  rate: (t: number) => number,
  b1: number,
  b2: number,
  eps: number,
  lambda: number,
  steps: number,
): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const m = w.map((x) => x.map(() => 0));
  const v = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      const r = g.map((gj, j) => {
        m[i][j] = b1 * m[i][j] + (1 - b1) * gj;
        v[i][j] = b2 * v[i][j] + (1 - b2) * gj * gj;
        const mHat = m[i][j] / (1 - b1 ** (t + 1));
        const vHat = v[i][j] / (1 - b2 ** (t + 1));
        return mHat / (Math.sqrt(vHat) + eps);
      });
      const excluded = PROBLEM[i].shape.length <= 1;
      let u = excluded ? r : r.map((x, j) => x + lambda * wi[j]);
      if (!excluded) {
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : wn / un;
        u = u.map((x) => x * ratio);
      }
      wi.forEach((_, j) => wi[j] -= rate(t) * u[j]);
    });
  }
  return w;
}

Deno.test("lamb follows optax.lamb with decay, exclusion, zero-norm guard and a schedule", () => {
  const schedule = cosineDecay({ init: 0.05, decaySteps: 4, alpha: 0.1 });
  const params = makeParams();
  const opt = lamb({
    learningRate: schedule,
    beta1: 0.8,
    beta2: 0.95,
    epsilon: 1e-3,
    weightDecay: 0.1,
  });
  runSteps(opt, params, 6);
  const expected = reference(schedule, 0.8, 0.95, 1e-3, 0.1, 6);
  valuesOf(params).forEach((v, i) => assertClose(v, expected[i], `p${i}`, 5e-5));
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lamb records trust ratios ||w||/||u|| and eta times them", async () => {
  const params = makeParams();
  const opt = lamb({ learningRate: 0.01, recordLayerStats: true });
  runSteps(opt, params, 1);
  const stats = await opt.layerStats();
  // First step: r = g/(|g| + eps) elementwise, so ||u|| is about sqrt(n).
  const g = gradValues(0, 0);
  const r = g.map((x) => x / (Math.abs(x) + 1e-6));
  assertClose([stats[0].trustRatio], [norm(PROBLEM[0].init) / norm(r)], "k1");
  assertClose([stats[0].learningRate], [0.01 * stats[0].trustRatio], "k1 rate");
  assert.deepEqual([stats[1].trustRatio, stats[1].learningRate], [1, 0.01]);
  assertClose([stats[2].trustRatio], [1], "zero kernel");
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lamb rejects bad hyperparameters naming parameter and value", () => {
  assert.throws(() => lamb({ learningRate: Infinity }), /lamb: learningRate.*Infinity/);
  assert.throws(() => lamb({ learningRate: 1, beta1: 1 }), /beta1 must be in \[0, 1\), got 1/);
  assert.throws(() => lamb({ learningRate: 1, beta2: -0.5 }), /beta2.*-0\.5/);
  assert.throws(() => lamb({ learningRate: 1, epsilon: NaN }), /epsilon.*NaN/);
  assert.throws(() => lamb({ learningRate: 1, weightDecay: -2 }), /weightDecay.*-2/);
});
