/**
 * The smoke preset, for real, inside `deno test`: its depth-2 half (every method, both batch
 * sizes, the whole protocol: rate search on validation, 5 held-out seeds; about 100 runs,
 * 1-2 min of the preset's ~5 min on 2 cores) must pass the gate of fixtures/thresholds.json
 * on the wasm backend the floors were measured on.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { trainRun } from "../train/run.ts";
import { loadGridDataset } from "./data.ts";
import { checkThresholds, parseThresholds } from "./gate.ts";
import { optimizerKit } from "../methods/kit.ts";
import { SMOKE } from "./presets.ts";
import { runGrid } from "./runner.ts";
import { summarizeCells } from "./select.ts";

Deno.test("the smoke preset's depth-2 cells pass the gate", async () => {
  await useBackend("wasm");
  const thresholds = parseThresholds(
    JSON.parse(await Deno.readTextFile(new URL("../../fixtures/thresholds.json", import.meta.url))),
  ).presets.smoke;
  const depth = SMOKE.depths[0];
  const grid = { ...SMOKE, depths: [depth] };
  const out = await Deno.makeTempDir();
  const before = tf.memory().numTensors;
  const result = await runGrid({
    grid,
    out,
    dataset: await loadGridDataset(grid.dataset),
    runFn: trainRun,
    kit: optimizerKit,
    backend: "wasm",
    versions: { deno: Deno.version.deno, tfjs: tf.version_core, gitCommit: "test" },
  });
  assertEquals(tf.memory().numTensors, before, "no tensor leaks over the grid");
  assert(result.complete);
  const cells = summarizeCells(result.rows);
  assert(cells.every((c) => c.n >= 5), "every cell has 5 held-out seeds");
  assert(result.rows.every((r) => r.valSamples > 0 && r.testSamples === 1000));
  const here = { ...thresholds, cells: thresholds.cells.filter((c) => c.depth === depth) };
  assertEquals(here.cells.length, SMOKE.methods.length * SMOKE.batchSizes.length);
  const failures = checkThresholds(cells, here);
  assertEquals(failures, [], failures.map((f) => `${f.cell}: ${f.message}`).join("\n"));
  await Deno.remove(out, { recursive: true });
});
