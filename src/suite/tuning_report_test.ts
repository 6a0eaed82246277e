import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { parseCsv } from "../output/csv.ts";
import type { RunConfig } from "../train/types.ts";
import { fakeRunFn } from "./_test_fakes.ts";
import { fakeGridOptions } from "./_test_grid.ts";
import { reportMain } from "./cli.ts";
import { SMOKE } from "./presets.ts";
import { runGrid } from "./runner.ts";
import type { GridSpec } from "./types.ts";

/** `fn()` with console.log captured; its value and the text. */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const log = console.log;
  let text = "";
  console.log = (...args: unknown[]) => (text += args.join(" ") + "\n");
  try {
    return { value: await fn(), text };
  } finally {
    console.log = log;
  }
}

Deno.test("the committed folders report as before: summary.csv and claims.csv byte for byte, and say how they tuned", async () => {
  const folders = [
    "smoke",
    "standard",
    "cnn",
    "large-batch",
    "ablation",
    "warmup-factorial",
    "warmup-equivalence",
  ];
  for (const preset of folders) {
    const committed = new URL(`../../results/${preset}/`, import.meta.url);
    const dir = await Deno.makeTempDir();
    for (const f of ["meta.json", "runs.csv", "curves.csv", "layer_rates.csv"]) {
      await Deno.copyFile(new URL(f, committed), `${dir}/${f}`);
    }
    const { value, text } = await captured(() =>
      reportMain([dir, "--no-plots", "--check-protocol"])
    );
    assertEquals(value, 0, text);
    for (const f of ["summary.csv", "claims.csv"]) {
      assertEquals(
        await Deno.readTextFile(`${dir}/${f}`),
        await Deno.readTextFile(new URL(f, committed)),
        `${preset}/${f}`,
      );
    }
    // smoke, cnn: tuned on seed 1, no margin: neither the tuning line nor the TOST column.
    // The others: tuned on the mean of seeds 1-3 (runs of 2026-12-05/06: in 10 of standard's
    // 30 cells, 7 of 20, 11 of 24, 20 of 48 and 2 of 4 the mean chose another rate than seed 1
    // alone would have); standard and the two warmup presets declare a margin and print TOST
    // p-values (ablation and large-batch compare without one).
    const changed: Record<string, string> = {
      standard: "10 of 30",
      "large-batch": "7 of 20",
      ablation: "11 of 24",
      "warmup-factorial": "20 of 48",
      "warmup-equivalence": "2 of 4",
    };
    if (preset in changed) {
      assert(text.includes(`the choice changed in ${changed[preset]} cells`), text);
    } else {
      assert(!text.includes("the choice changed"), text);
    }
    const tost = preset === "standard" || preset.startsWith("warmup-");
    assertEquals(text.includes("TOST"), tost, preset);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a grid tuned on the mean of 2 seeds runs, reports its changed choices and its TOST", async () => {
  await useBackend("cpu");
  const grid: GridSpec = {
    ...SMOKE,
    name: "k2",
    methods: ["lalc", "warmup"],
    batchSizes: [16, 64],
    depths: [2],
    seeds: [1, 2, 3, 4, 5, 6, 7],
    lrGrid: { points: 3, factor: 10, tuneOn: "first-k-seeds", tuneSeeds: 2 },
    traceSteps: 0,
    equivalenceMargin: 0.005,
  };
  // Seed 1 alone ranks the rates upside down, at half the fake's slope: it prefers the
  // smallest rate tried. Seed 2 ranks them as the fake does (higher is better, up to a
  // ceiling), so their mean climbs at half its slope and settles at a higher rate.
  const fake = fakeRunFn();
  const runFn = async (config: RunConfig) => {
    const r = await fake(config);
    return config.seed === 1 ? { ...r, valAccuracy: 0.9 - (r.valAccuracy - 0.5) / 2 } : r;
  };
  const out = await Deno.makeTempDir();
  const before = tf.memory().numTensors;
  const result = await runGrid(fakeGridOptions(grid, out, { runFn }));
  assertEquals(tf.memory().numTensors, before);
  assert(result.complete);
  // Every tuning rate on seeds 1 and 2; held-out seeds 3-7 only, at the chosen rate.
  for (const r of result.rows) {
    assert(r.phase === "tune" ? r.seed <= 2 : r.seed >= 3, JSON.stringify(r));
  }
  const { value, text } = await captured(() => reportMain([out, "--no-plots", "--check-protocol"]));
  const summary = parseCsv(await Deno.readTextFile(`${out}/summary.csv`));
  const changed = summary.filter((c) => c.first_seed_lr_index !== c.lr_index).length;
  assert(summary.every((c) => c.tuning_seeds === "2" && c.n === "5"), JSON.stringify(summary));
  assert(changed > 0, "seed 1 alone chose as the mean did in every cell");
  assert(
    text.includes(`the choice changed in ${changed} of ${summary.length} cells`),
    text,
  );
  const claims = parseCsv(await Deno.readTextFile(`${out}/claims.csv`));
  const warmup = claims.filter((c) => c.claim === "small-batch-vs-warmup");
  assertEquals(warmup.map((c) => c.margin), ["0.005"]);
  assert(warmup.every((c) => c.p_tost !== "" && c.p_tost_holm !== ""), JSON.stringify(warmup));
  assert(text.includes("TOST Holm p"), text);
  assert(text.includes("protocol ok   every tried rate ran on the 2 tuning seeds (1,2)"), text);
  assertEquals(value, 0, text); // the protocol check passes
  await Deno.remove(out, { recursive: true });
});
