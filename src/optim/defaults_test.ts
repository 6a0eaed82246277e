/**
 * Pinned reference semantics: each optimizer built with its DEFAULTS ONLY (just a learning
 * rate) follows an independent float64 restatement of the documented method, in which every
 * documented default is a literal. Changing a default in the code (LALC's maxRatio, LAMB's
 * eps, LARS's trust coefficient, ...) therefore fails here; docs/method.md lists them.
 *
 * The problem is built so that every default matters: one kernel whose LALC rate hits the
 * ceiling (`maxRatio`), one that hits the floor (`minRatio`), one in between, one so small
 * that the `epsilon`s decide its step, a bias with large gradients (so excluding it or not
 * changes its step) and a gain with gradients near Adam's `eps`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import assert from "node:assert/strict";
import { lalc, LALC_DEFAULTS } from "./lalc.ts";
import { lamb, LAMB_DEFAULTS } from "./lamb.ts";
import { lars, LARS_DEFAULTS } from "./lars.ts";
import { DEFAULT_MASK, maskToConfig } from "./mask.ts";
import { momentum, MOMENTUM_DEFAULTS } from "./momentum.ts";
import { assertClose } from "./_test_problem.ts";

await useBackend("cpu");

const ETA = 0.1;
const STEPS = 6;

interface Tensor64 {
  name: string;
  shape: number[];
  init: number[];
  /** Scale of its gradients. */
  gradScale: number;
}

const f32 = (values: number[]) => values.map(Math.fround);

const PROBLEM: Tensor64[] = [
  // ||w|| ~ 7, ||g|| ~ 1e-3: LALC's local rate is far above eta (the maxRatio ceiling).
  { name: "ceiling", shape: [2, 3], init: f32([3, -2.5, 2, 3.5, -1, 2.2]), gradScale: 1e-3 },
  // ||w|| ~ 0.02, ||g|| ~ 2: far below rho*eta (the minRatio floor).
  { name: "floor", shape: [2, 2], init: f32([0.01, -0.012, 0.008, 0.011]), gradScale: 1 },
  // ||w|| ~ 2, ||g|| ~ 1: inside the clip interval.
  { name: "inside", shape: [3, 2], init: f32([0.8, -0.9, 0.7, 1, -0.6, 0.75]), gradScale: 0.5 },
  // ||w|| ~ 1e-8, ||g|| ~ 2e-9: the epsilons are of the size of ||u||.
  { name: "tiny", shape: [2, 2], init: f32([5e-9, -4e-9, 6e-9, 5.5e-9]), gradScale: 1e-9 },
  // Rank 1 (excluded by default) with large gradients.
  { name: "bias", shape: [3], init: f32([0.1, -0.2, 0.15]), gradScale: 1 },
  // Rank 1 with gradients near LAMB's eps 1e-6.
  { name: "gain", shape: [4], init: f32([1, 0.9, 1.1, 1.05]), gradScale: 1e-6 },
];

/** The fixed gradient of tensor `i` at step `t`, float32-exact so both sides see the same. */
function grad(i: number, t: number): number[] {
  const p = PROBLEM[i];
  return f32(p.init.map((_, j) => p.gradScale * Math.sin(1.3 + 2.1 * j + 0.7 * i + 1.9 * t)));
}

const norm = (a: number[]) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const rankOf = (i: number) => PROBLEM[i].shape.length;

/** Runs `opt` on the problem for STEPS steps; returns the final values. */
function runOptimizer(opt: tf.Optimizer): number[][] {
  const params = PROBLEM.map((p, i) =>
    tf.variable(tf.tensor(p.init, p.shape), true, `defaults/${opt.getClassName()}/${i}/${p.name}`)
  );
  for (let t = 0; t < STEPS; t++) {
    const grads = params.map((p, i) => ({ name: p.name, tensor: tf.tensor(grad(i, t), p.shape) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const out = params.map((p) => Array.from(p.dataSync()));
  opt.dispose();
  tf.dispose(params);
  return out;
}

// ---- The documented methods with their documented defaults, in float64 ----

/** LALC: mu 0.9, lambda 0, kappa 0.02, rho 0.01, maxRatio 1, eps 1e-9, masks rank >= 2. */
function lalcReference(): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const v = PROBLEM.map((p) => p.init.map(() => 0));
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      const g = grad(i, t);
      let u = g, rate = ETA;
      if (rankOf(i) > 1) {
        u = g.map((gj, j) => gj + 0 * wi[j]);
        const wn = norm(wi), un = norm(u);
        const local = wn === 0 || un === 0 ? ETA : 0.02 * wn / (un + 1e-9);
        rate = Math.min(Math.max(local, 0.01 * ETA), 1 * ETA);
      }
      v[i] = v[i].map((vj, j) => 0.9 * vj + rate * u[j]);
      w[i] = wi.map((x, j) => x - v[i][j]);
    });
  }
  return w;
}

/** optax.lars: wd 0, kappa 0.001, eps 0, mu 0.9, no Nesterov, masks: rank > 1. */
function larsReference(): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const m = PROBLEM.map((p) => p.init.map(() => 0));
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      let u = grad(i, t);
      if (rankOf(i) > 1) {
        u = u.map((x, j) => x + 0 * wi[j]);
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : 0.001 * wn / (un + 0);
        u = u.map((x) => x * ratio);
      }
      u = u.map((x) => -ETA * x);
      m[i] = m[i].map((mj, j) => u[j] + 0.9 * mj);
      w[i] = wi.map((x, j) => x + m[i][j]);
    });
  }
  return w;
}

/** optax.lamb: b1 0.9, b2 0.999, eps 1e-6, wd 0, no trust clip, mask: rank > 1. */
function lambReference(): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const m = PROBLEM.map((p) => p.init.map(() => 0));
  const v = PROBLEM.map((p) => p.init.map(() => 0));
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      const g = grad(i, t);
      m[i] = m[i].map((x, j) => 0.9 * x + 0.1 * g[j]);
      v[i] = v[i].map((x, j) => 0.999 * x + 0.001 * g[j] * g[j]);
      const bc1 = 1 - Math.pow(0.9, t + 1), bc2 = 1 - Math.pow(0.999, t + 1);
      let u = m[i].map((x, j) => (x / bc1) / (Math.sqrt(v[i][j] / bc2) + 1e-6));
      if (rankOf(i) > 1) {
        u = u.map((x, j) => x + 0 * wi[j]);
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : wn / un;
        u = u.map((x) => x * ratio);
      }
      w[i] = wi.map((x, j) => x - ETA * u[j]);
    });
  }
  return w;
}

/** tf.train.momentum: mu 0.9, useNesterov false. */
function momentumReference(): number[][] {
  const w = PROBLEM.map((p) => p.init.slice());
  const a = PROBLEM.map((p) => p.init.map(() => 0));
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      const g = grad(i, t);
      a[i] = a[i].map((x, j) => 0.9 * x + g[j]);
      w[i] = wi.map((x, j) => x - ETA * a[i][j]);
    });
  }
  return w;
}

/**
 * float32 against float64: per element `|got - want| <= 1e-5 |want| + 1e-6 max|want|` of that
 * tensor (its own scale, so the 1e-8 tensor is held to 1e-14). Measured on cpu over all four
 * optimizers and six tensors: worst `|got - want| / |want|` 8.1e-7, worst
 * `|got - want| / max|want|` 2.0e-7, so both bounds have 5-10x headroom. Each of 20 one-value
 * changes of a documented default (LALC maxRatio 1 -> 2, LAMB eps 1e-6 -> 1e-8, LARS eps
 * 0 -> 1e-9, LAMB trustClip false -> true, the masks rank >= 2 -> rank >= 1, ...) was checked
 * to fail these tests.
 */
function compare(name: string, got: number[][], want: number[][]): void {
  want.forEach((w, i) => {
    const scale = Math.max(...w.map(Math.abs));
    assertClose(got[i], w, `${name} ${PROBLEM[i].name}`, 1e-5, 1e-6 * scale);
  });
}

Deno.test("lalc with its defaults follows the documented method (float64 restatement)", () => {
  compare("lalc", runOptimizer(lalc({ learningRate: ETA })), lalcReference());
});

Deno.test("lars with its defaults follows optax.lars's documented defaults (float64)", () => {
  compare("lars", runOptimizer(lars({ learningRate: ETA })), larsReference());
});

Deno.test("lamb with its defaults follows optax.lamb's documented defaults (float64)", () => {
  compare("lamb", runOptimizer(lamb({ learningRate: ETA })), lambReference());
});

Deno.test("momentum with its defaults follows tf.train.momentum's semantics (float64)", () => {
  compare("momentum", runOptimizer(momentum({ learningRate: ETA })), momentumReference());
});

Deno.test("the exported defaults are the documented literals (one place per optimizer)", () => {
  const rankAbove1 = { kind: "rankAbove", minRank: 1 };
  const described = (d: object) =>
    Object.fromEntries(
      Object.entries(d).map(([k, v]) => [k, typeof v === "function" ? maskToConfig("t", v, k) : v]),
    );
  assert.deepEqual(maskToConfig("t", DEFAULT_MASK, "mask"), rankAbove1);
  assert.deepEqual(described(LALC_DEFAULTS), {
    momentum: 0.9,
    weightDecay: 0,
    trustCoefficient: 0.02,
    minRatio: 0.01,
    maxRatio: 1,
    epsilon: 1e-9,
    weightDecayMask: rankAbove1,
    trustRatioMask: rankAbove1,
    nonFinite: "apply",
    recordLayerStats: false,
  });
  assert.deepEqual(described(LARS_DEFAULTS), {
    momentum: 0.9,
    weightDecay: 0,
    trustCoefficient: 0.001,
    epsilon: 0,
    nesterov: false,
    trustClip: false,
    weightDecayMask: rankAbove1,
    trustRatioMask: rankAbove1,
    nonFinite: "apply",
    recordLayerStats: false,
  });
  assert.deepEqual(described(LAMB_DEFAULTS), {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-6,
    weightDecay: 0,
    trustClip: false,
    weightDecayMask: rankAbove1,
    trustRatioMask: rankAbove1,
    nonFinite: "apply",
    recordLayerStats: false,
  });
  assert.deepEqual({ ...MOMENTUM_DEFAULTS }, {
    momentum: 0.9,
    useNesterov: false,
    rateInBuffer: false,
    nonFinite: "apply",
  });
  assert.ok(Object.isFrozen(LALC_DEFAULTS), "a default cannot be changed at run time");
});
