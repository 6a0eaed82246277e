import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { type BuiltOptimizer, recordingKit } from "./_test_recording_kit.ts";
import {
  learningRateGrid,
  methodSchedule,
  optimizerFactory,
  RECIPES,
  scaledLearningRate,
} from "./recipes.ts";
import { METHODS } from "./names.ts";

Deno.test("every method gets the same number of rates, centred on its base rate", () => {
  for (const m of METHODS) {
    const rates = learningRateGrid(m, 3, 10);
    assertEquals(rates.length, 3);
    ok(Math.abs(rates[1] - RECIPES[m].baseLr) < 1e-12);
    ok(Math.abs(rates[2] / rates[0] - 100) < 1e-6);
  }
});

Deno.test("scaling rules: linear for SGD, LALC and LARS, square root for LAMB", () => {
  assertEquals(scaledLearningRate("warmup", 0.1, 1024), 0.4);
  assertEquals(scaledLearningRate("lalc", 0.1, 8192), 3.2);
  assertEquals(scaledLearningRate("lamb", 0.005, 1024), 0.01);
});

Deno.test("warmup methods warm up, the others start at the peak", () => {
  const kit = recordingKit([]);
  for (const m of METHODS) {
    const s = methodSchedule(kit, m, 1, 90);
    if (RECIPES[m].warmupFraction > 0) {
      assertEquals(s(0), 0);
      ok(s(5) > 0.99 && s(5) <= 1, `${m} peaks after 5 of 90 steps`);
    } else assertEquals(s(0), 1);
    ok(s(89) < 0.01);
  }
  // A 1-step run cannot warm up: it gets the plain cosine.
  assertEquals(methodSchedule(kit, "warmup", 1, 1)(0), 1);
});

Deno.test("optimizerFactory builds each method's optimizer", async () => {
  await useBackend("cpu");
  const built: BuiltOptimizer[] = [];
  const kit = recordingKit(built);
  for (const m of METHODS) optimizerFactory(kit, m, 0.2)(100, 10).dispose();
  assertEquals(built.map((b) => b.kind), ["lalc", "lars", "lamb", "momentum", "momentum"]);
});
