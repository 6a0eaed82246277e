/**
 * Options users bring from optax, timm and tf.js (issue #22): a misspelled or foreign key is
 * refused at construction with one line naming the known spelling, instead of being ignored
 * while its default is used; configs saved with the old `exclude` key still load and train
 * as before.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lalc } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { rankAbove } from "./mask.ts";
import { momentum } from "./momentum.ts";
import type { ChainOptimizer } from "./optimizer.ts";
import { makeParams, runSteps, valuesOf } from "./_test_problem.ts";
import "./register.ts";

await useBackend("cpu");

/** Builds through the untyped door a user of plain JavaScript (or a JSON config) has. */
const loose = <T>(make: (o: T) => unknown, options: Record<string, unknown>) => () =>
  make(options as T);

Deno.test("unknown options are refused with the known spelling, one line", () => {
  const cases: Array<[() => unknown, string]> = [
    [loose(lars, { learningRate: 0.1, eps: 1e-8 }), 'lars: unknown option "eps"; use "epsilon"'],
    [loose(lamb, { learningRate: 0.1, b1: 0.8 }), 'lamb: unknown option "b1"; use "beta1"'],
    [
      loose(lamb, { learningRate: 0.1, betas: [0.9, 0.99] }),
      'lamb: unknown option "betas"; use "beta1" and "beta2"',
    ],
    [
      loose(lalc, { learningRate: 0.1, nesterov: true }),
      'lalc: unknown option "nesterov"; allowed: learningRate, momentum, weightDecay, ' +
      "trustCoefficient, minRatio, maxRatio, epsilon, weightDecayMask, trustRatioMask, " +
      "nonFinite, recordLayerStats",
    ],
    [
      loose(momentum, { learningRate: 0.1, nesterov: true }),
      'momentum: unknown option "nesterov"; use "useNesterov"',
    ],
    [
      loose(lars, { learningRate: 0.1, useNesterov: true }),
      'lars: unknown option "useNesterov"; use "nesterov"',
    ],
    [
      loose(lars, { learningRate: 0.1, weight_decay: 1e-4 }),
      'lars: unknown option "weight_decay"; use "weightDecay"',
    ],
    [
      loose(lamb, { learningRate: 0.1, trust_clip: true }),
      'lamb: unknown option "trust_clip"; use "trustClip"',
    ],
    [loose(lalc, { lr: 0.1 }), 'lalc: unknown option "lr"; use "learningRate"'],
    [
      loose(lalc, { learningRate: 0.1, exclude: () => false }),
      'lalc: unknown option "exclude"; use "weightDecayMask" and "trustRatioMask" (true = ' +
      "apply, the complement of exclude: rankAbove(1) for rankAtMost(1))",
    ],
    [
      loose(momentum, undefined as unknown as Record<string, unknown>),
      "momentum: options must be an object such as { learningRate: 0.1 }, got undefined",
    ],
  ];
  for (const [make, message] of cases) {
    assert.throws(make, (e: Error) => {
      assert.equal(e.message, message);
      return true;
    });
  }
});

Deno.test("configs saved with exclude (true = skip) load as its complement and train the same", () => {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  const cases: Array<[ChainOptimizer, Record<string, unknown>]> = [
    // the default, as getConfig wrote it before the masks
    [lalc({ learningRate: 0.1, weightDecay: 1e-3 }), {
      learningRate: 0.1,
      weightDecay: 1e-3,
      exclude: { kind: "rankAtMost", maxRank: 1 },
    }],
    // exclude nothing below rank 0: decay and ratio on biases too
    [
      lamb({
        learningRate: 0.01,
        weightDecay: 1e-2,
        weightDecayMask: rankAbove(0),
        trustRatioMask: rankAbove(0),
      }),
      { learningRate: 0.01, weightDecay: 1e-2, exclude: { kind: "rankAtMost", maxRank: 0 } },
    ],
    // LARS with exclude and an explicit decay mask: the mask wins, the ratio follows exclude
    [
      lars({ learningRate: 0.5, weightDecay: 1e-2, weightDecayMask: rankAbove(0) }),
      {
        learningRate: 0.5,
        weightDecay: 1e-2,
        exclude: { kind: "rankAtMost", maxRank: 1 },
        weightDecayMask: { kind: "rankAbove", minRank: 0 },
      },
    ],
  ];
  for (const [expected, old] of cases) {
    const [cls, fromConfig] = registry[expected.getClassName()];
    const loaded = fromConfig(cls, old as tf.serialization.ConfigDict) as ChainOptimizer;
    assert.deepEqual(loaded.getConfig(), expected.getConfig());
    const a = makeParams(), b = makeParams();
    runSteps(expected, a, 3);
    runSteps(loaded, b, 3);
    assert.deepEqual(valuesOf(b), valuesOf(a), expected.getClassName());
    for (const o of [expected, loaded]) o.dispose();
    tf.dispose([...a, ...b]);
  }
});
