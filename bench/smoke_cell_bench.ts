/**
 * Times one cell of the smoke preset (LALC, batch 512, depth 2, its centre rate, seed 1) on
 * the wasm backend, and first checks that it is reproducible: the same cell with the same
 * seed on the same backend gives identical metrics, or the bench fails.
 *
 * Run: `deno bench --allow-read --allow-env bench/smoke_cell_bench.ts`
 */
import { deepStrictEqual } from "node:assert/strict";
import { useBackend } from "../src/backend/backend.ts";
import { trainRun } from "../src/train/run.ts";
import type { RunResult } from "../src/train/types.ts";
import { loadGridDataset } from "../src/suite/data.ts";
import { optimizerKit } from "../src/methods/kit.ts";
import { learningRateGrid, optimizerFactory, scaledLearningRate } from "../src/methods/recipes.ts";
import { SMOKE } from "../src/suite/presets.ts";

await useBackend("wasm");
const dataset = await loadGridDataset(SMOKE.dataset);
const batchSize = SMOKE.batchSizes.at(-1)!;
const depth = SMOKE.depths[0];
const rates = learningRateGrid("lalc", SMOKE.lrGrid.points, SMOKE.lrGrid.factor);
const baseLr = rates[rates.length >> 1];

function cell(): Promise<RunResult> {
  return trainRun({
    dataset,
    model: { kind: SMOKE.model.kind, depth, width: SMOKE.model.width, seed: SMOKE.seeds[0] },
    makeOptimizer: optimizerFactory(
      optimizerKit,
      "lalc",
      scaledLearningRate("lalc", baseLr, batchSize),
    ),
    batchSize,
    epochs: SMOKE.epochs,
    seed: SMOKE.seeds[0],
    evalEvery: 5,
    evalSamples: SMOKE.evalSamples,
  });
}

// Everything but the timings must match exactly between two runs of the same cell.
const metrics = ({ wallSeconds: _w, samplesPerSec: _s, ...rest }: RunResult) => rest;
const first = await cell();
deepStrictEqual(metrics(await cell()), metrics(first), "same cell, same seed: same metrics");
if (first.status !== "ok") throw new Error(`the smoke cell did not train: ${first.status}`);

Deno.bench(`smoke cell: lalc batch ${batchSize} depth ${depth}, ${SMOKE.epochs} epochs`, {
  n: 3,
  warmup: 0,
}, async () => {
  const r = await cell();
  if (r.finalTestAccuracy !== first.finalTestAccuracy) throw new Error("not reproducible");
});
