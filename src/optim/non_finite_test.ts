/**
 * The `nonFinite` guard (issue #23): by default a NaN or Inf gradient element spreads to its
 * whole layer through the norm, as before; "skip" leaves weights and slots exactly as they
 * were and counts the step, on the device; "throw" refuses the step naming the tensor; and
 * with finite gradients every policy computes bit-identically to the unguarded default.
 * These comparisons run the chains (setFusedKernels(false)): by default "apply" takes the fused
 * multi-tensor kernel, which agrees with the chain to ~1e-7 (fused_update_test.ts), not bit
 * for bit, and "skip" always runs the chain.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lalc } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { momentum } from "./momentum.ts";
import type { NonFinitePolicy } from "./non_finite.ts";
import type { ChainOptimizer } from "./optimizer.ts";
import { gradValues, makeParams, PROBLEM, runSteps, valuesOf } from "./_test_problem.ts";
import "./register.ts";
import { setFusedKernels } from "../kernels/switch.ts";

await useBackend("cpu");

const MAKERS: Record<string, (nonFinite?: NonFinitePolicy) => ChainOptimizer> = {
  lalc: (nonFinite) => lalc({ learningRate: 0.1, weightDecay: 1e-3, nonFinite }),
  lars: (nonFinite) => lars({ learningRate: 0.5, weightDecay: 1e-3, nonFinite }),
  lamb: (nonFinite) => lamb({ learningRate: 0.01, weightDecay: 1e-2, nonFinite }),
  momentum: (nonFinite) => momentum({ learningRate: 0.1, nonFinite }),
};

/** Step `t`'s gradients with `bad` written into element 1 of the kernel `k1` (tensor 0). */
function badGrads(params: tf.Variable[], t: number, bad: number) {
  return params.map((p, i) => {
    const values = gradValues(i, t);
    if (i === 0) values[1] = bad;
    return { name: p.name, tensor: tf.tensor(values, p.shape) };
  });
}

function applyBad(opt: tf.Optimizer, params: tf.Variable[], t: number, bad: number): void {
  const grads = badGrads(params, t, bad);
  try {
    opt.applyGradients(grads);
  } finally {
    tf.dispose(grads.map((g) => g.tensor));
  }
}

async function slots(opt: tf.Optimizer): Promise<number[][]> {
  const saved = await opt.getWeights();
  const out = saved.slice(1).map((w) => Array.from(w.tensor.dataSync()));
  saved[0].tensor.dispose();
  return out;
}

Deno.test('default "apply": one NaN gradient element turns the whole kernel NaN (documented)', () => {
  for (const [name, make] of Object.entries(MAKERS)) {
    if (name === "momentum") continue; // no norm: only that element goes NaN
    const p = makeParams();
    const opt = make();
    runSteps(opt, p, 1);
    applyBad(opt, p, 1, NaN);
    const kernel = valuesOf(p)[0];
    assert.ok(kernel.every(Number.isNaN), `${name}: ${kernel}`);
    assert.ok(valuesOf(p)[1].every(Number.isFinite), `${name}: the bias is a separate tensor`);
    opt.dispose();
    tf.dispose(p);
  }
});

Deno.test('"skip": a NaN or Inf step changes no weight and no slot, is counted, and leaks nothing', async () => {
  for (const [name, make] of Object.entries(MAKERS)) {
    const p = makeParams();
    const opt = make("skip");
    runSteps(opt, p, 2);
    assert.equal(await opt.nonFiniteSteps(), 0, `${name}: no skip yet`);
    const weights = valuesOf(p), state = await slots(opt);
    const tensors = tf.memory().numTensors;
    applyBad(opt, p, 2, NaN);
    applyBad(opt, p, 3, -Infinity);
    assert.equal(tf.memory().numTensors, tensors, `${name}: tensors after two skipped steps`);
    assert.deepEqual(valuesOf(p), weights, `${name}: weights`);
    assert.deepEqual(await slots(opt), state, `${name}: slots`);
    assert.equal(await opt.nonFiniteSteps(), 2, `${name}: counted`);
    assert.equal(opt.iterations, 4, `${name}: the step count still advances`);
    runSteps(opt, p, 1, 4);
    assert.ok(valuesOf(p).flat().every(Number.isFinite), `${name}: trains on`);
    assert.notDeepEqual(valuesOf(p), weights, `${name}: a finite step is applied`);
    assert.equal(await opt.nonFiniteSteps(), 2, `${name}: a finite step is not counted`);
    opt.dispose();
    tf.dispose(p);
  }
});

Deno.test('"skip" and "throw" compute bit-identically to the default on finite gradients', () => {
  setFusedKernels(false);
  try {
    identicalPolicies();
  } finally {
    setFusedKernels(true);
  }
});

function identicalPolicies(): void {
  for (const [name, make] of Object.entries(MAKERS)) {
    const results = (["apply", "skip", "throw"] as const).map((policy) => {
      const p = makeParams();
      const opt = make(policy);
      runSteps(opt, p, 4);
      const out = valuesOf(p);
      opt.dispose();
      tf.dispose(p);
      return out;
    });
    assert.deepEqual(results[1], results[0], `${name}: skip`);
    assert.deepEqual(results[2], results[0], `${name}: throw`);
  }
}

Deno.test('"skip" drops exactly the bad step: LALC at a constant rate equals a run without it', () => {
  const a = makeParams(), b = makeParams();
  const oa = lalc({ learningRate: 0.1, nonFinite: "skip" }), ob = lalc({ learningRate: 0.1 });
  runSteps(oa, a, 1);
  applyBad(oa, a, 1, Infinity);
  runSteps(oa, a, 2, 1);
  setFusedKernels(false); // the chain, which "skip" runs, for a bit-for-bit comparison
  try {
    runSteps(ob, b, 3);
  } finally {
    setFusedKernels(true);
  }
  assert.deepEqual(valuesOf(a), valuesOf(b));
  for (const o of [oa, ob]) o.dispose();
  tf.dispose([...a, ...b]);
});

Deno.test('"throw": one line naming the tensor and the step; nothing changes', async () => {
  for (const [name, make] of Object.entries(MAKERS)) {
    const p = makeParams();
    const opt = make("throw");
    runSteps(opt, p, 1);
    const weights = valuesOf(p), state = await slots(opt);
    assert.throws(
      () => applyBad(opt, p, 1, NaN),
      (e: Error) => {
        assert.match(
          e.message,
          new RegExp(
            `^\\w+: non-finite gradient \\(NaN or Inf\\) for ${p[0].name} at step 1; ` +
              `nothing was changed \\(nonFinite: "throw"; "skip" skips such steps\\)$`,
          ),
        );
        return true;
      },
      name,
    );
    assert.deepEqual(valuesOf(p), weights, `${name}: weights`);
    assert.deepEqual(await slots(opt), state, `${name}: slots`);
    assert.equal(opt.iterations, 1, `${name}: the refused step is not counted`);
    opt.dispose();
    tf.dispose(p);
  }
});

Deno.test("nonFinite is checked, saved when not the default, and restored by fromConfig", () => {
  assert.throws(
    () => lars({ learningRate: 0.1, nonFinite: "ignore" as NonFinitePolicy }),
    /^Error: lars: nonFinite must be one of "apply", "skip", "throw", got "ignore"$/,
  );
  assert.equal(lamb({ learningRate: 0.1 }).getConfig().nonFinite, undefined);
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const [name, make] of Object.entries(MAKERS)) {
    const opt = make("skip");
    const config = opt.getConfig();
    assert.equal(config.nonFinite, "skip", name);
    const [cls, fromConfig] = registry[opt.getClassName()];
    const copy = fromConfig(cls, JSON.parse(JSON.stringify(config))) as ChainOptimizer;
    assert.equal(copy.getConfig().nonFinite, "skip", name);
    for (const o of [opt, copy]) o.dispose();
  }
  assert.equal(PROBLEM[0].shape.length, 2, "the bad element sits in a kernel");
});
