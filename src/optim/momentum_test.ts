import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
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

await useBackend("cpu");

/** tf.train.momentum semantics in float64: a = mu a + g; w -= eta (a | g + mu a). */
function reference(rate: (t: number) => number, mu: number, nesterov: boolean, steps: number) {
  const w = PROBLEM.map((p) => p.init.slice());
  const a = w.map((x) => x.map(() => 0));
  for (let t = 0; t < steps; t++) {
    w.forEach((wi, i) => {
      const g = gradValues(i, t);
      wi.forEach((_, j) => {
        a[i][j] = mu * a[i][j] + g[j];
        wi[j] -= rate(t) * (nesterov ? g[j] + mu * a[i][j] : a[i][j]);
      });
    });
  }
  return w;
}

Deno.test("momentum matches tf.train.momentum semantics with a changing schedule", () => {
  const schedule = linearSchedule({ init: 0.3, end: 0.05, steps: 3 });
  for (const nesterov of [false, true]) {
    const params = makeParams();
    const opt = momentum({ learningRate: schedule, momentum: 0.8, useNesterov: nesterov });
    runSteps(opt, params, 5);
    const expected = reference(schedule, 0.8, nesterov, 5);
    valuesOf(params).forEach((v, i) => assertClose(v, expected[i], `nesterov=${nesterov} p${i}`));
    assert.equal(opt.iterations, 5);
    opt.dispose();
    tf.dispose(params);
  }
});

Deno.test("momentum with a constant rate equals tf.train.momentum step for step", () => {
  const ours = makeParams();
  const theirs = makeParams();
  const a = momentum({ learningRate: 0.1, momentum: 0.9 });
  const b = tf.train.momentum(0.1, 0.9);
  runSteps(a, ours, 4);
  runSteps(b, theirs, 4);
  valuesOf(ours).forEach((v, i) => assertClose(v, valuesOf(theirs)[i], `p${i}`, 1e-6, 1e-7));
  a.dispose();
  b.dispose();
  tf.dispose([...ours, ...theirs]);
});

Deno.test("momentum's config uses tf.train.momentum's keys (useNesterov) and reads the old nesterov key", () => {
  const ours = momentum({ learningRate: 0.1, momentum: 0.9, useNesterov: true });
  const theirs = tf.train.momentum(0.1, 0.9, true);
  assert.deepEqual(Object.keys(ours.getConfig()).sort(), Object.keys(theirs.getConfig()).sort());
  assert.equal(ours.getConfig().useNesterov, true);
  const cls = MomentumOptimizer as unknown as tf.serialization.SerializableConstructor<
    MomentumOptimizer
  >;
  const old = MomentumOptimizer.fromConfig(cls, { learningRate: 0.1, nesterov: true });
  assert.equal(old.options.useNesterov, true);
  const a = makeParams(), b = makeParams();
  runSteps(ours, a, 4);
  runSteps(theirs, b, 4);
  valuesOf(a).forEach((v, i) => assertClose(v, valuesOf(b)[i], `p${i}`, 1e-6, 1e-7));
  tf.dispose([...a, ...b]);
  for (const o of [ours, theirs, old]) o.dispose();
});

Deno.test("momentum rejects bad hyperparameters naming parameter and value", () => {
  assert.throws(() => momentum({ learningRate: -1 }), /learningRate.*-1/);
  assert.throws(() => momentum({ learningRate: NaN }), /learningRate.*NaN/);
  assert.throws(() => momentum({ learningRate: Infinity }), /learningRate.*Infinity/);
  assert.throws(
    () => momentum({ learningRate: 0.1, momentum: 1 }),
    /momentum must be in \[0, 1\), got 1/,
  );
  assert.throws(() => momentum({ learningRate: 0.1, momentum: -0.1 }), /momentum.*-0\.1/);
  assert.throws(() => momentum({ learningRate: () => -2 }), /learningRate\(0\).*-2/);
});
