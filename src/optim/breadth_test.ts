/**
 * optax's and timm's breadth, each against a float64 restatement: clipByGlobalNorm
 * (optax.clip_by_global_norm), LARS's and LAMB's separate weight-decay and trust-ratio masks
 * (optax.lars's weight_decay_mask / trust_ratio_mask, optax.lamb's mask with the ratio on
 * every tensor), LAMB's trust-ratio clip (timm's trust_clip) and LARS's (timm's LARC
 * trust_clip), and the savable masks.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { clipByGlobalNorm } from "./clip.ts";
import { allOf, allTensors, maskFromConfig, nameMatches, not, rankAbove } from "./mask.ts";
import "./register.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { chain } from "./transform.ts";
import { assertClose } from "./_test_problem.ts";
import type { VariablePredicate } from "./transform.ts";

await useBackend("cpu");

/** A kernel with a large norm, one with a small norm, a bias. */
const PROBLEM = [
  { shape: [2, 3], init: [4, -3, 5, 2, -4, 3] },
  { shape: [2, 2], init: [0.05, -0.02, 0.03, 0.04] },
  { shape: [3], init: [0.3, -0.2, 0.1] },
];
const STEPS = 5;

function grad(i: number, t: number): number[] {
  return PROBLEM[i].init.map((_, j) => Math.fround(0.6 * Math.sin(0.4 + j + 2.3 * i + 1.1 * t)));
}

const norm = (a: number[]) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

let counter = 0;
function run(opt: tf.Optimizer): number[][] {
  const tag = `breadth${counter++}`;
  const params = PROBLEM.map((p, i) =>
    tf.variable(tf.tensor(p.init, p.shape), true, `${tag}/${i}`)
  );
  const before = tf.memory().numTensors;
  for (let t = 0; t < STEPS; t++) {
    const grads = params.map((p, i) => ({ name: p.name, tensor: tf.tensor(grad(i, t), p.shape) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const out = params.map((p) => Array.from(p.dataSync()));
  opt.dispose();
  assert.ok(tf.memory().numTensors <= before, "no tensors left per step beyond the slots");
  tf.dispose(params);
  return out;
}

function compare(name: string, got: number[][], want: number[][]): void {
  got.forEach((g, i) => assertClose(g, want[i], `${name} p${i}`, 1e-5, 1e-7));
}

Deno.test("clipByGlobalNorm matches optax.clip_by_global_norm (clips some steps, not others)", () => {
  const maxNorm = 1.515, eta = 0.1; // the global norms are 1.499-1.574
  const w = PROBLEM.map((p) => p.init.slice());
  let clipped = 0;
  for (let t = 0; t < STEPS; t++) {
    const g = PROBLEM.map((_, i) => grad(i, t));
    const global = Math.sqrt(g.reduce((s, gi) => s + norm(gi) ** 2, 0));
    // optax: select(g_norm < max_norm, t, t / g_norm * max_norm)
    const scale = global < maxNorm ? 1 : maxNorm / global;
    if (scale < 1) clipped++;
    w.forEach((wi, i) => w[i] = wi.map((x, j) => x - eta * g[i][j] * scale));
  }
  assert.ok(clipped > 0 && clipped < STEPS, `clipped ${clipped} of ${STEPS} steps`);
  const got = run(new ChainOptimizer(chain(clipByGlobalNorm(maxNorm), scaleByLearningRate(eta))));
  compare("clip", got, w);
  assert.throws(
    () => clipByGlobalNorm(0),
    /clipByGlobalNorm: maxNorm must be a finite number > 0, got 0/,
  );
});

/** optax.lars in float64 with explicit masks (true = apply). */
function larsReference(decayMask: boolean[], ratioMask: boolean[], lambda: number): number[][] {
  const eta = 0.5, kappa = 0.001, mu = 0.9;
  const w = PROBLEM.map((p) => p.init.slice());
  const m = PROBLEM.map((p) => p.init.map(() => 0));
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      let u = grad(i, t);
      if (decayMask[i]) u = u.map((x, j) => x + lambda * wi[j]);
      if (ratioMask[i]) {
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : kappa * wn / un;
        u = u.map((x) => x * ratio);
      }
      m[i] = m[i].map((mj, j) => -eta * u[j] + mu * mj);
      w[i] = wi.map((x, j) => x + m[i][j]);
    });
  }
  return w;
}

Deno.test("lars's weightDecayMask and trustRatioMask act separately, as optax.lars's masks", () => {
  const lambda = 0.05;
  const cases: Array<[string, VariablePredicate, VariablePredicate, boolean[], boolean[]]> = [
    // decay everything (bias too), trust ratio on kernels only
    ["decay all", rankAbove(0), rankAbove(1), [true, true, true], [true, true, false]],
    // decay kernels only, trust ratio on everything
    ["ratio all", rankAbove(1), rankAbove(0), [true, true, false], [true, true, true]],
    // a mask picking one kernel by name
    ["by name", (v) => v.name.endsWith("/1"), rankAbove(1), [false, true, false], [
      true,
      true,
      false,
    ]],
  ];
  for (const [name, weightDecayMask, trustRatioMask, decay, ratio] of cases) {
    const opt = lars({ learningRate: 0.5, weightDecay: lambda, weightDecayMask, trustRatioMask });
    compare(name, run(opt), larsReference(decay, ratio, lambda));
  }
  // Leaving the masks out keeps the exclude-based defaults (kernels get both).
  compare(
    "defaults",
    run(lars({ learningRate: 0.5, weightDecay: lambda })),
    larsReference([true, true, false], [true, true, false], lambda),
  );
  // Savable masks survive getConfig/fromConfig.
  const config = lars({
    learningRate: 0.5,
    weightDecayMask: rankAbove(0),
    trustRatioMask: rankAbove(1),
  }).getConfig();
  assert.deepEqual(config.weightDecayMask, { kind: "rankAbove", minRank: 0 });
  const copy = tf.serialization.SerializationMap.getMap().classNameMap.LARS;
  const rebuilt = copy[1](copy[0], JSON.parse(JSON.stringify(config))) as tf.Optimizer;
  assert.deepEqual(rebuilt.getConfig(), config);
  rebuilt.dispose();
  assert.throws(
    () => lars({ learningRate: 0.5, trustRatioMask: (v) => v.rank > 1 }).getConfig(),
    /lars: trustRatioMask is a plain function and cannot be serialized/,
  );
});

/** optax.lamb in float64 (rank <= 1 excluded by default), with timm's trust_clip optional. */
function lambReference(
  trustClip: boolean,
  lambda = 0,
  decayMask = [true, true, false],
  ratioMask = [true, true, false],
): { w: number[][]; ratios: number[] } {
  const eta = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-6;
  const w = PROBLEM.map((p) => p.init.slice());
  const m = PROBLEM.map((p) => p.init.map(() => 0));
  const v = PROBLEM.map((p) => p.init.map(() => 0));
  const ratios: number[] = [];
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      const g = grad(i, t);
      m[i] = m[i].map((x, j) => b1 * x + (1 - b1) * g[j]);
      v[i] = v[i].map((x, j) => b2 * x + (1 - b2) * g[j] * g[j]);
      const bc1 = 1 - b1 ** (t + 1), bc2 = 1 - b2 ** (t + 1);
      let u = m[i].map((x, j) => (x / bc1) / (Math.sqrt(v[i][j] / bc2) + eps));
      if (decayMask[i]) u = u.map((x, j) => x + lambda * wi[j]);
      if (ratioMask[i]) {
        const wn = norm(wi), un = norm(u);
        let ratio = wn === 0 || un === 0 ? 1 : wn / un;
        ratios.push(ratio);
        if (trustClip) ratio = Math.min(ratio, 1);
        u = u.map((x) => x * ratio);
      }
      w[i] = wi.map((x, j) => x - eta * u[j]);
    });
  }
  return { w, ratios };
}

Deno.test("lamb's trustClip clamps the trust ratio at 1, as timm's trust_clip", () => {
  const { w, ratios } = lambReference(true);
  // The problem has ratios on both sides of 1, so the clip is exercised and is not everything.
  assert.ok(ratios.some((r) => r > 1) && ratios.some((r) => r < 1), ratios.join(", "));
  compare("trustClip", run(lamb({ learningRate: 0.05, trustClip: true })), w);
  compare("no clip", run(lamb({ learningRate: 0.05 })), lambReference(false).w);
  assert.equal(lamb({ learningRate: 0.05, trustClip: true }).getConfig().trustClip, true);
  assert.throws(
    () => lamb({ learningRate: 0.05, trustClip: 1 as unknown as boolean }),
    /lamb: trustClip must be true or false, got 1/,
  );
});

Deno.test("lamb masks decay and the trust ratio separately: optax.lamb's default is expressible", () => {
  const lambda = 0.1;
  // optax.lamb(mask=kernels): the ratio on every tensor, the decay on kernels only.
  compare(
    "optax.lamb with a decay mask",
    run(lamb({
      learningRate: 0.05,
      weightDecay: lambda,
      weightDecayMask: rankAbove(1),
      trustRatioMask: allTensors(),
    })),
    lambReference(false, lambda, [true, true, false], [true, true, true]).w,
  );
  // optax.lamb's own default (mask=None): both on every tensor.
  compare(
    "optax.lamb default",
    run(lamb({
      learningRate: 0.05,
      weightDecay: lambda,
      weightDecayMask: allTensors(),
      trustRatioMask: allTensors(),
    })),
    lambReference(false, lambda, [true, true, true], [true, true, true]).w,
  );
  // This package's default: kernels only, for both.
  compare(
    "default",
    run(lamb({ learningRate: 0.05, weightDecay: lambda })),
    lambReference(false, lambda).w,
  );
});

/** timm's Lars(trust_clip=True) in float64, with optax's `||g + lambda w||` in the ratio. */
function larcReference(eta: number, kappa: number, lambda: number): number[][] {
  const mu = 0.9;
  const w = PROBLEM.map((p) => p.init.slice());
  const m = PROBLEM.map((p) => p.init.map(() => 0));
  const clipped: boolean[] = [];
  for (let t = 0; t < STEPS; t++) {
    w.forEach((wi, i) => {
      let u = grad(i, t);
      if (PROBLEM[i].shape.length > 1) {
        u = u.map((x, j) => x + lambda * wi[j]);
        const wn = norm(wi), un = norm(u);
        const ratio = wn === 0 || un === 0 ? 1 : kappa * wn / un;
        clipped.push(ratio / eta > 1);
        // timm: trust_ratio = clamp(trust_ratio / lr, max=1), then the step is lr * ratio
        const scale = Math.min(ratio / eta, 1);
        u = u.map((x) => x * scale);
      }
      m[i] = m[i].map((mj, j) => -eta * u[j] + mu * mj);
      w[i] = wi.map((x, j) => x + m[i][j]);
    });
  }
  assert.ok(clipped.includes(true) && clipped.includes(false), "both sides of the clip");
  return w;
}

Deno.test("lars's trustClip is timm's LARC clip: the ratio read as a rate, capped at eta", () => {
  const eta = 0.2, kappa = 0.05, lambda = 0.01;
  compare(
    "trustClip",
    run(lars({ learningRate: eta, trustCoefficient: kappa, weightDecay: lambda, trustClip: true })),
    larcReference(eta, kappa, lambda),
  );
  assert.equal(lars({ learningRate: eta, trustClip: true }).getConfig().trustClip, true);
});

Deno.test("masks built from rankAbove, nameMatches, not, allOf survive getConfig/fromConfig", () => {
  const notBias = allOf(rankAbove(0), not(nameMatches("/2$")));
  const opt = lars({ learningRate: 0.5, weightDecay: 0.05, weightDecayMask: notBias });
  const config = JSON.parse(JSON.stringify(opt.getConfig()));
  assert.deepEqual(config.weightDecayMask, {
    kind: "allOf",
    masks: [
      { kind: "rankAbove", minRank: 0 },
      { kind: "not", mask: { kind: "nameMatches", pattern: "/2$", flags: "" } },
    ],
  });
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap.LARS;
  const copy = fromConfig(cls, config) as tf.Optimizer;
  // Tensor 2 is the bias (named `.../2`): not decayed; both kernels are.
  const want = larsReference([true, true, false], [true, true, false], 0.05);
  compare("saved mask", run(copy), want);
  compare("original", run(opt), want);
  assert.throws(
    () => maskFromConfig({ kind: "nameMatches", pattern: "(" } as never),
    /^Error: nameMatches: "\(" \(flags ""\) is not a regular expression: /,
  );
  assert.throws(
    () => maskFromConfig({ kind: "exclude" } as never),
    /^Error: maskFromConfig: kind must be one of rankAtMost, rankAbove, allTensors, nameMatches, not, allOf, anyOf \(with its fields\), got \{"kind":"exclude"\}$/,
  );
  assert.throws(() => nameMatches("bias", "g"), /flags must not contain "g" or "y", got "g"/);
});
