import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { LALC_DEFAULTS, type LalcOptimizer } from "../optim/lalc.ts";
import { LARS_DEFAULTS, type LarsOptimizer } from "../optim/lars.ts";
import { MOMENTUM_DEFAULTS, type MomentumOptimizer } from "../optim/momentum.ts";
import type { ChainOptimizer } from "../optim/optimizer.ts";
import { optimizerKit } from "./kit.ts";
import {
  methodSchedule,
  MOMENTUM,
  optimizerFactory,
  RECIPES,
  scaledLearningRate,
} from "./recipes.ts";
import { recipeOf } from "./variants.ts";

const GRID = {
  methods: [
    "lalc",
    { name: "lalc-nofloor-k0.005", base: "lalc", minRatio: 0, trustCoefficient: 0.005 },
    { name: "lars-k0.02", base: "lars", trustCoefficient: 0.02, baseLr: 0.158114 },
    { name: "sgd-warmup-10pct", base: "warmup", warmupFraction: 0.1 },
    { name: "lalc-warmup-2pct", base: "lalc", warmupFraction: 0.02 },
    { name: "sgd-inside-warmup-10pct", base: "warmup", warmupFraction: 0.1, rateInBuffer: true },
    { name: "sgd-inside", base: "linear-scaling", rateInBuffer: true },
  ],
} as const;

Deno.test("recipeOf: a method's own recipe, a variant's base with its overrides, an unknown name refused", () => {
  assertEquals(recipeOf(GRID, "lalc"), RECIPES.lalc);
  // A method the grid does not list still has its recipe (a row of another grid's folder).
  assertEquals(recipeOf(GRID, "lamb"), RECIPES.lamb);
  const nofloor = recipeOf(GRID, "lalc-nofloor-k0.005");
  assertEquals([nofloor.optimizer, nofloor.minRatio, nofloor.trustCoefficient], ["lalc", 0, 0.005]);
  assertEquals(nofloor.baseLr, RECIPES.lalc.baseLr);
  const lars = recipeOf(GRID, "lars-k0.02");
  assertEquals([lars.baseLr, lars.warmupFraction, lars.scaling], [
    0.158114,
    RECIPES.lars.warmupFraction,
    "linear",
  ]);
  ok(lars.summary.startsWith("lars variant: LARS"), lars.summary);
  ok(lars.summary.endsWith("but trustCoefficient 0.02, baseLr 0.158114"), lars.summary);
  throws(() => recipeOf(GRID, "lalc-k9"), /unknown method "lalc-k9"; the grid has lalc, /);
});

Deno.test("a variant's trust coefficient and floor reach the optimizer; a method's own keep the defaults", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const build = (name: string) =>
    optimizerFactory(optimizerKit, recipeOf(GRID, name), 0.4)(100, 10) as ChainOptimizer;
  const plain = build("lalc") as LalcOptimizer;
  assertEquals(
    [plain.options.trustCoefficient, plain.options.minRatio],
    [LALC_DEFAULTS.trustCoefficient, LALC_DEFAULTS.minRatio],
  );
  const nofloor = build("lalc-nofloor-k0.005") as LalcOptimizer;
  assertEquals([nofloor.options.trustCoefficient, nofloor.options.minRatio], [0.005, 0]);
  assertEquals(nofloor.options.maxRatio, LALC_DEFAULTS.maxRatio); // not overridden
  const lars = build("lars-k0.02") as LarsOptimizer;
  assertEquals(lars.options.trustCoefficient, 0.02);
  assertEquals(LARS_DEFAULTS.trustCoefficient, 0.001); // what "lars" itself runs with
  for (const o of [plain, nofloor, lars]) o.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a variant's rateInBuffer reaches momentum SGD; the methods' own keep the rate outside", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const build = (name: string) =>
    optimizerFactory(optimizerKit, recipeOf(GRID, name), 0.4)(100, 10) as MomentumOptimizer;
  const built = ["warmup", "linear-scaling", "sgd-inside-warmup-10pct", "sgd-inside"].map(build);
  assertEquals(built.map((o) => o.options.rateInBuffer), [false, false, true, true]);
  assertEquals(MOMENTUM_DEFAULTS.rateInBuffer, false);
  // The variant keeps its warmup and its base's momentum.
  const [, , warm, inside] = built;
  assertEquals([warm.learningRateAt(0), warm.options.momentum], [0, MOMENTUM]);
  assertEquals(inside.learningRateAt(0), 0.4);
  ok(recipeOf(GRID, "sgd-inside").summary.endsWith("but rateInBuffer true"));
  for (const o of built) o.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a variant's warmup fraction sets the schedule: LALC with 2% warmup starts at 0", () => {
  const steps = 100;
  const lalc = methodSchedule(optimizerKit, recipeOf(GRID, "lalc"), 1, steps);
  const warm = methodSchedule(optimizerKit, recipeOf(GRID, "lalc-warmup-2pct"), 1, steps);
  assertEquals(lalc(0), 1); // LALC's recipe: no warmup
  assertEquals(warm(0), 0);
  ok(Math.abs(warm(2) - 1) < 1e-6, `peak after 2 of 100 steps, got ${warm(2)}`);
  const sgd = methodSchedule(optimizerKit, recipeOf(GRID, "sgd-warmup-10pct"), 1, steps);
  ok(sgd(5) > 0.45 && sgd(5) < 0.55, `half way through 10 warmup steps, got ${sgd(5)}`);
  ok(Math.abs(sgd(10) - 1) < 1e-6);
  // The scaling rule is the base's: linear for a LARS variant.
  assertEquals(scaledLearningRate(recipeOf(GRID, "lars-k0.02"), 0.1, 1024), 0.4);
});

Deno.test("two steps of LALC without floor at kappa 0.005 move the weights otherwise than LALC", async () => {
  await useBackend("cpu");
  /** The weights after two steps of `name` on a fixed least-squares problem. */
  const twoSteps = (name: string): number[] => {
    const init = tf.tensor2d([[1, -2], [0.5, 3]]);
    const w = tf.variable(init, true, `w_${name}`);
    const x = tf.tensor2d([[1, 2], [3, -1], [0.5, 0.5]]);
    const y = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const optimizer = optimizerFactory(optimizerKit, recipeOf(GRID, name), 0.4)(2, 2);
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        optimizer.minimize(() => tf.losses.meanSquaredError(y, tf.matMul(x, w)) as tf.Scalar);
      });
    }
    const out = Array.from(w.dataSync());
    optimizer.dispose();
    tf.dispose([init, w, x, y]);
    return out;
  };
  // A first run outside the count: tf.js keeps a few tensors it makes once per process.
  twoSteps("lalc");
  const before = tf.memory().numTensors;
  const base = twoSteps("lalc");
  const variant = twoSteps("lalc-nofloor-k0.005");
  // Measured: the four weights differ by 0.042, 0.13, 0.0031 and 0.089 (kappa 4x smaller, no
  // floor); 0.01 is well below the largest and far above float32 rounding.
  const largest = Math.max(...base.map((v, i) => Math.abs(v - variant[i])));
  ok(largest > 0.01, `${base} vs ${variant}`);
  assertEquals(tf.memory().numTensors, before);
});
