import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { validationCount } from "../data/validation.ts";
import { RECIPES } from "../methods/recipes.ts";
import { recipeOf } from "../methods/variants.ts";
import { testsEquivalence } from "./claims.ts";
import { comparedPairs } from "./comparisons.ts";
import { gridCells, rateCentre } from "./plan.ts";
import { ABLATION, LARGE_BATCH, STANDARD, WARMUP_FACTORIAL } from "./presets.ts";
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

Deno.test("the variant presets' comparisons: 12 rows in large-batch, 24 in ablation and warmup-factorial", () => {
  const rows = (p: typeof ABLATION) =>
    comparedPairs(p.comparisons!, [...p.batchSizes].sort((a, b) => a - b), [...p.depths]);
  assertEquals(rows(LARGE_BATCH).length, 3 * 2 * 2);
  assertEquals(rows(ABLATION).length, 12 * 2);
  assertEquals(rows(WARMUP_FACTORIAL).length, 6 * 2 * 2);
  // Every comparison of a variant preset names methods it runs, LALC at kappa 0.02 first
  // against each of its components.
  const ablation = ABLATION.comparisons!.filter((c) => c.a === "lalc").map((c) => c.b);
  assertEquals(ablation, ["lalc-nofloor", "lars-k0.02", "lalc-k0.005", "lalc-k0.01", "lalc-k0.05"]);
  const factorial = WARMUP_FACTORIAL.comparisons!.map((c) => `${c.a}-${c.b}`);
  assertEquals(factorial.filter((s) => s.endsWith("-linear-scaling")).length, 3);
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
