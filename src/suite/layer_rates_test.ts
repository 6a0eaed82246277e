import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { optimizerKit } from "../methods/kit.ts";
import type { OptimizerKit } from "../methods/recipes.ts";
import { lalc } from "../optim/lalc.ts";
import type { LayerStat } from "../optim/layer_stats.ts";
import { trainRun } from "../train/run.ts";
import { SMOKE } from "./presets.ts";
import { layerRateSpec } from "./report.ts";
import { readResults } from "./store.ts";
import { runGrid } from "./runner.ts";
import type { GridSpec } from "./types.ts";

const grid: GridSpec = {
  ...SMOKE,
  name: "layer-rates-test",
  methods: ["lalc"],
  dataset: { name: "synthetic", trainSamples: 1024, testSamples: 32 },
  model: { kind: "mlp", width: 8 },
  depths: [3],
  // At batch 256 LALC's global rate (0.316) exceeds the layers' kappa*||w||/||u|| (measured
  // 0.08-0.22 at this width): its clip is active and the plotted ratios differ from 1.
  batchSizes: [256],
  seeds: [1],
  epochs: 1,
  lrGrid: { points: 1, factor: 10, tuneOn: "first-seed" },
  evalPoints: 1,
  evalSamples: 32,
  traceSteps: 3,
};

Deno.test("the layer-rate plot shows the rates LALC recorded, step by step", async () => {
  await useBackend("cpu");
  // The optimizer's own record, read by the test after every step, apart from the runner.
  const recorded: LayerStat[][] = [];
  const kit: OptimizerKit = {
    ...optimizerKit,
    lalc: (o) => {
      const optimizer = lalc({ ...o, recordLayerStats: true });
      const apply = optimizer.applyGradients.bind(optimizer);
      optimizer.applyGradients = (grads) => {
        apply(grads);
        const step = recorded.length;
        recorded.push([]);
        optimizer.layerStats().then((s) => (recorded[step] = s));
      };
      return optimizer;
    },
  };
  const out = await Deno.makeTempDir();
  const before = tf.memory().numTensors;
  try {
    const data = makeSyntheticDataset({ trainCount: 1024, testCount: 32 });
    const result = await runGrid({
      grid,
      out,
      dataset: data,
      runFn: trainRun,
      kit,
      backend: "cpu",
      versions: { deno: "d", tfjs: "t", gitCommit: "c" },
      // The tuning search would go on past this first, traced run; one run is what's checked.
      maxRuns: 1,
    });
    assertEquals(tf.memory().numTensors, before, "no tensor leaks");
    assertEquals(result.rows.map((r) => r.status), ["ok"]);
    const folder = await readResults(out);
    const spec = layerRateSpec(folder.rows, folder.layerRates, "t") as {
      data: { values: { step: number; layer: number; ratio: number }[] };
    };
    const plotted = spec.data.values;
    const kernelCount = recorded[0].filter((s) => s.name.endsWith("/kernel")).length;
    ok(kernelCount >= 3, `${kernelCount} kernels`);
    assertEquals(plotted.length, grid.traceSteps * kernelCount);
    const rate = result.rows[0].scaledLr;
    for (const p of plotted) {
      const kernels = recorded[p.step].filter((s) => s.name.endsWith("/kernel"));
      const want = kernels[p.layer].learningRate;
      const global = folder.layerRates.find((r) => Number(r.step) === p.step)!.global_lr;
      // The CSV keeps 6 significant digits (formatNumber).
      ok(
        Math.abs(p.ratio - want / Number(global)) <= 1e-5 * Math.abs(p.ratio),
        `step ${p.step} layer ${p.layer}: plotted ${p.ratio}, recorded ${want / Number(global)}`,
      );
      ok(Number(global) <= rate * (1 + 1e-6), "the global rate is the schedule's");
    }
    // Not all at the global rate: the plot shows LALC's per-layer rule at work.
    ok(plotted.some((p) => Math.abs(p.ratio - 1) > 1e-3));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
