import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lars } from "./lars.ts";
import { linearSchedule } from "./schedule.ts";
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
  eps: number;
  nesterov: boolean;
  /** true: optax order (rate inside the buffer); false: rate applied after the buffer. */
  rateInside: boolean;
}

/** optax.lars in float64, written from docs/method.md's formulas. */
function reference(r: Ref, steps: number): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const m = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    const eta = r.rate(t);
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      const excluded = PROBLEM[i].shape.length <= 1;
      let u = excluded ? g : g.map((x, j) => x + r.lambda * wi[j]);
      if (!excluded) {
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : r.kappa * wn / (un + r.eps);
        u = u.map((x) => x * ratio);
      }
      if (r.rateInside) u = u.map((x) => -eta * x);
      wi.forEach((_, j) => {
        m[i][j] = u[j] + r.mu * m[i][j];
        const out = r.nesterov ? u[j] + r.mu * m[i][j] : m[i][j];
        wi[j] += r.rateInside ? out : -eta * out;
      });
    });
  }
  return w;
}

const schedule = linearSchedule({ init: 0.5, end: 0.05, steps: 3 });

Deno.test("lars follows optax.lars: rate inside the momentum buffer, decay, exclusion, zero norm", () => {
  for (const nesterov of [false, true]) {
    const params = makeParams();
    const opt = lars({
      learningRate: schedule,
      momentum: 0.9,
      weightDecay: 0.01,
      trustCoefficient: 0.02,
      epsilon: 1e-4,
      nesterov,
    });
    runSteps(opt, params, 5);
    const base = { rate: schedule, mu: 0.9, lambda: 0.01, kappa: 0.02, eps: 1e-4, nesterov };
    const expected = reference({ ...base, rateInside: true }, 5);
    const got = valuesOf(params);
    got.forEach((v, i) => assertClose(v, expected[i], `nesterov=${nesterov} p${i}`));
    // The schedule makes "rate inside" and "rate outside" differ: the test can tell them apart.
    const outside = reference({ ...base, rateInside: false }, 5);
    assert.ok(Math.abs(outside[0][0] - expected[0][0]) > 1e-3);
    assert.throws(() => assertClose(got[0], outside[0], "outside"));
    opt.dispose();
    tf.dispose(params);
  }
});

Deno.test("lars: the zero kernel gets ratio 1 on its first step, excluded bias gets eta", async () => {
  const params = makeParams();
  const opt = lars({ learningRate: 0.5, trustCoefficient: 0.02, recordLayerStats: true });
  runSteps(opt, params, 1);
  const stats = await opt.layerStats();
  assert.deepEqual(stats.map((s) => s.name), params.map((p) => p.name));
  const g0 = gradValues(0, 0);
  assertClose([stats[0].trustRatio], [0.02 * norm(PROBLEM[0].init) / norm(g0)], "k1 ratio");
  assertClose([stats[0].learningRate], [0.5 * stats[0].trustRatio], "k1 rate");
  assert.deepEqual([stats[1].trustRatio, stats[1].learningRate], [1, 0.5]);
  assertClose([stats[2].trustRatio, stats[2].learningRate], [1, 0.5], "zero kernel");
  // k0 started at 0: its whole first step is -eta * g.
  assertClose(params[2].dataSync(), gradValues(2, 0).map((g) => -0.5 * g), "k0 after one step");
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lars: masks that pick nothing give plain momentum-free SGD", () => {
  const params = makeParams();
  const opt = lars({
    learningRate: 0.1,
    weightDecay: 0.1,
    weightDecayMask: () => false,
    trustRatioMask: () => false,
    momentum: 0,
  });
  runSteps(opt, params, 1);
  // Everything excluded: plain SGD.
  valuesOf(params).forEach((v, i) =>
    assertClose(v, PROBLEM[i].init.map((w, j) => w - 0.1 * gradValues(i, 0)[j]), `p${i}`)
  );
  opt.dispose();
  tf.dispose(params);
});

Deno.test("lars rejects bad hyperparameters naming parameter and value", () => {
  assert.throws(() => lars({ learningRate: -0.1 }), /lars: learningRate.*-0\.1/);
  assert.throws(
    () => lars({ learningRate: 1, momentum: 1.5 }),
    /momentum must be in \[0, 1\), got 1\.5/,
  );
  assert.throws(() => lars({ learningRate: 1, weightDecay: -1 }), /weightDecay.*>= 0, got -1/);
  assert.throws(
    () => lars({ learningRate: 1, trustCoefficient: 0 }),
    /trustCoefficient.*> 0, got 0/,
  );
  assert.throws(() => lars({ learningRate: 1, epsilon: -1e-9 }), /epsilon.*got -1e-9/);
  assert.throws(
    () => lars({ learningRate: 1, trustRatioMask: 3 as unknown as () => boolean }),
    /lars: trustRatioMask must be a function \(variable\) => boolean \(true = apply\), got 3/,
  );
});
