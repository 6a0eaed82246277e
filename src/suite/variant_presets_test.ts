import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { validationCount } from "../data/validation.ts";
import { RECIPES } from "../methods/recipes.ts";
import { entryName, recipeOf } from "../methods/variants.ts";
import { testsEquivalence } from "./claims.ts";
import { comparedPairs } from "./comparisons.ts";
import { gridCells, heldOutSeeds, rateCentre, tuningSeeds } from "./plan.ts";
import {
  ABLATION,
  LARGE_BATCH,
  PRESETS,
  STANDARD,
  WARMUP_EQUIVALENCE,
  WARMUP_FACTORIAL,
} from "./presets.ts";
import { folderStatistics } from "./statistics.ts";

const TRAIN = 60000 - validationCount(60000);
const steps = (epochs: number, batch: number) => Math.round(epochs * Math.floor(TRAIN / batch));

Deno.test("large-batch and ablation give every batch size at least 150 steps, as their descriptions say", () => {
  assertEquals(LARGE_BATCH.batchSizes.map((b) => steps(LARGE_BATCH.epochs, b)), [300, 150]);
  assertEquals(ABLATION.batchSizes.map((b) => steps(ABLATION.epochs, b)), [600, 150]);
  for (const p of [LARGE_BATCH, ABLATION, WARMUP_FACTORIAL]) {
    const least = Math.min(...p.batchSizes.map((b) => steps(p.epochs, b)));
    assert(least >= 150, `${p.name}: ${least} steps`);
    assert(p.description.includes(`${least} steps`), `${p.name}'s description states it`);
    // The standard preset's model and evaluation, so their numbers compare with it.
    assertEquals([p.model, p.dataset, p.evalSamples], [
      STANDARD.model,
      STANDARD.dataset,
      STANDARD.evalSamples,
    ]);
  }
});

Deno.test("large-batch centres each method's grid a whole number of grid steps below its recipe", () => {
  const below = LARGE_BATCH.batchSizes.map((b) =>
    LARGE_BATCH.methods.map((m) => {
      const name = m as keyof typeof RECIPES;
      return Math.log2(RECIPES[name].baseLr / rateCentre(LARGE_BATCH, name, b));
    })
  );
  const rounded = below.map((xs) => xs.map((x) => Math.round(x)));
  below.flat().forEach((x, i) => assert(Math.abs(x - rounded.flat()[i]) < 1e-5, `${x}`));
  // lalc, lars, lamb, linear-scaling, warmup at 8192, then at 16384.
  assertEquals(rounded, [[1, 3, 1, 3, 3], [2, 4, 1, 4, 4]]);
});

Deno.test("ablation: 12 methods; LARS's variants keep the recipe's eta * kappa and drop its warmup", () => {
  assertEquals(gridCells(ABLATION).length, 12 * 2);
  assert(RECIPES.lars.warmupFraction > 0, "LARS as run in practice warms up");
  for (const k of [0.005, 0.01, 0.02, 0.05]) {
    const lars = recipeOf(ABLATION, `lars-k${k}`);
    assert(Math.abs(lars.baseLr * k - RECIPES.lars.baseLr * 0.001) < 1e-8, `kappa ${k}`);
    const nofloor = recipeOf(ABLATION, k === 0.02 ? "lalc-nofloor" : `lalc-nofloor-k${k}`);
    const lalc = recipeOf(ABLATION, k === 0.02 ? "lalc" : `lalc-k${k}`);
    assertEquals([nofloor.minRatio, nofloor.trustCoefficient ?? 0.02], [0, k]);
    // LALC -> LALC without floor -> LARS: the same schedule and scaling, only the clip moves.
    for (const r of [lalc, nofloor, lars]) {
      assertEquals([r.warmupFraction, r.scaling], [0, RECIPES.lalc.scaling], r.summary);
    }
  }
});

Deno.test("the variant presets' comparisons: 12 rows in large-batch, 24 in ablation, 52 in warmup-factorial", () => {
  const rows = (p: typeof ABLATION) =>
    comparedPairs(p.comparisons!, [...p.batchSizes].sort((a, b) => a - b), [...p.depths]);
  assertEquals(rows(LARGE_BATCH).length, 3 * 2 * 2);
  assertEquals(rows(ABLATION).length, 12 * 2);
  // 9 warmup lengths against none (3 optimizers) and 4 buffer forms, at 2 batches x 2 depths.
  assertEquals(rows(WARMUP_FACTORIAL).length, 13 * 2 * 2);
  // Every comparison of a variant preset names methods it runs, LALC at kappa 0.02 first
  // against each of its components.
  const ablation = ABLATION.comparisons!.filter((c) => c.a === "lalc").map((c) => c.b);
  assertEquals(ablation, ["lalc-nofloor", "lars-k0.02", "lalc-k0.005", "lalc-k0.01", "lalc-k0.05"]);
  const factorial = WARMUP_FACTORIAL.comparisons!.map((c) => `${c.a}-${c.b}`);
  // Warmup against none within SGD, and the rate inside against outside without warmup.
  assertEquals(factorial.filter((s) => s.endsWith("-linear-scaling")).length, 4);
});

Deno.test("warmup-factorial: 12 methods, 48 cells; SGD with the rate inside its buffer at every warmup length", () => {
  assertEquals(WARMUP_FACTORIAL.methods.length, 12);
  assertEquals(gridCells(WARMUP_FACTORIAL).length, 12 * 2 * 2);
  const inside = WARMUP_FACTORIAL.methods.map((m) => recipeOf(WARMUP_FACTORIAL, entryName(m)))
    .filter((r) => r.rateInBuffer === true);
  assertEquals(inside.map((r) => r.warmupFraction), [0, 0.02, 0.05, 0.1]);
  assert(inside.every((r) => r.optimizer === "momentum" && r.baseLr === RECIPES.warmup.baseLr));
  // Each form comparison pits the same warmup length and rate grid, inside against outside.
  const forms = WARMUP_FACTORIAL.comparisons!.filter((c) => c.name.startsWith("rateinbuffer-"));
  assertEquals(forms.length, 4);
  for (const c of forms) {
    const [a, b] = [recipeOf(WARMUP_FACTORIAL, c.a), recipeOf(WARMUP_FACTORIAL, c.b)];
    assertEquals([a.rateInBuffer, b.rateInBuffer ?? false], [true, false], c.name);
    assertEquals([a.warmupFraction, a.baseLr, a.scaling], [b.warmupFraction, b.baseLr, b.scaling]);
  }
  // Each warmup length of the rate inside the buffer against none, also inside.
  const ramps = WARMUP_FACTORIAL.comparisons!.filter((c) => c.b === "sgd-rateinbuffer");
  assertEquals(ramps.map((c) => recipeOf(WARMUP_FACTORIAL, c.a).warmupFraction), [0.02, 0.05, 0.1]);
});

Deno.test("warmup-factorial tests every row for equivalence within 0.5 points; the others test none", () => {
  const rows = (p: typeof ABLATION) =>
    comparedPairs(p.comparisons!, [...p.batchSizes].sort((a, b) => a - b), [...p.depths]);
  assertEquals(WARMUP_FACTORIAL.equivalenceMargin, 0.005);
  assert(rows(WARMUP_FACTORIAL).every((r) => r.equivalence));
  assert(testsEquivalence(folderStatistics([], WARMUP_FACTORIAL).claimOptions));
  for (const p of [LARGE_BATCH, ABLATION]) {
    assertEquals(p.equivalenceMargin, undefined);
    assert(rows(p).every((r) => !r.equivalence), p.name);
  }
});

Deno.test("warmup-equivalence: standard's batch-128 cells of LALC and warmup, 10 held-out seeds no other preset uses, one TOST-tested comparison", () => {
  const p = WARMUP_EQUIVALENCE;
  assertEquals([p.model, p.dataset, p.evalSamples, p.epochs], [
    STANDARD.model,
    STANDARD.dataset,
    STANDARD.evalSamples,
    STANDARD.epochs,
  ]);
  assertEquals([p.batchSizes, p.depths, gridCells(p).length], [[128], [4, 16], 4]);
  assertEquals(tuningSeeds(p), [1, 2, 3]);
  const heldOut = heldOutSeeds(p);
  assertEquals(heldOut.length, 10);
  // New data: none of its held-out seeds is held out (or tuned on) by another preset.
  for (const other of Object.values(PRESETS).filter((o) => o !== p)) {
    const used = new Set(other.seeds);
    assert(heldOut.every((s) => !used.has(s)), `${other.name} uses one of ${heldOut}`);
  }
  const rows = comparedPairs(p.comparisons!, [128], [...p.depths]);
  assertEquals(rows.map((r) => [r.a, r.b, r.equivalence]), [
    ["lalc", "warmup", true],
    ["lalc", "warmup", true],
  ]);
  assertEquals(p.equivalenceMargin, 0.005);
});
