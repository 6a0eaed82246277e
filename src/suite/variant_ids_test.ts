/**
 * Run ids under method variants: committed folders are resumed and reproduced by id, so a
 * plain method's ids must not move, while a variant's settings and a moved rate centre must
 * give other ids.
 */
import assert, { deepStrictEqual as assertEquals, notStrictEqual } from "node:assert/strict";
import { cellRun, gridCells, runId } from "./plan.ts";
import { ABLATION, PRESETS, STANDARD } from "./presets.ts";
import { parseCsv } from "../output/csv.ts";
import { BIT_EXACT, compareRun } from "./drift.ts";
import { readResults } from "./store.ts";
import type { GridSpec } from "./types.ts";

const folder = (name: string) => new URL(`../../results/${name}`, import.meta.url).pathname;

for (const name of ["smoke", "standard", "cnn"]) {
  Deno.test(`every run id of results/${name} is what its grid and the preset give today`, async () => {
    const { rows, meta } = await readResults(folder(name));
    assert(meta !== undefined && rows.length > 100, `${name}: ${rows.length} rows`);
    for (const grid of [meta.grid, PRESETS[name]]) {
      for (const r of rows) assertEquals(await runId(grid, r), r.runId, `${name} ${r.runId}`);
    }
  });
}

const LALC = { method: "lalc", batchSize: 32, depth: 2, seed: 1, baseLr: 0.316228 } as const;

Deno.test("variants, rate centres and comparisons of other methods leave a method's id alone", async () => {
  const plain = await runId(PRESETS.smoke, LALC);
  const busy: GridSpec = {
    ...PRESETS.smoke,
    methods: ["lalc", { name: "lalc-nofloor", base: "lalc", minRatio: 0 }],
    lrCentres: { "lalc-nofloor": { "32": 0.1 } },
    comparisons: [{ name: "floor", a: "lalc", b: "lalc-nofloor" }],
  };
  assertEquals(await runId(busy, LALC), plain);
});

Deno.test("a variant's settings and a moved centre are part of its id", async () => {
  const variant = (overrides: Record<string, number>): GridSpec => ({
    ...PRESETS.smoke,
    methods: [{ name: "lalc-x", base: "lalc", ...overrides }],
  });
  const run = { ...LALC, method: "lalc-x" };
  const ids = [
    await runId(PRESETS.smoke, LALC),
    await runId(variant({ minRatio: 0 }), run),
    await runId(variant({ minRatio: 0, trustCoefficient: 0.005 }), run),
    await runId(variant({ trustCoefficient: 0.005 }), run),
    await runId({ ...PRESETS.smoke, lrCentres: { lalc: { "32": 0.1 } } }, LALC),
    // Another batch size's centre is not this run's.
    await runId({ ...PRESETS.smoke, lrCentres: { lalc: { "512": 0.1 } } }, LALC),
  ];
  assertEquals(new Set(ids.slice(0, 5)).size, 5, ids.join(" "));
  assertEquals(ids[5], ids[0]);
  // The key order of a variant does not matter.
  const a = variant({ minRatio: 0, trustCoefficient: 0.005 });
  const b: GridSpec = {
    ...PRESETS.smoke,
    methods: [{ trustCoefficient: 0.005, minRatio: 0, base: "lalc", name: "lalc-x" }],
  };
  assertEquals(await runId(a, run), await runId(b, run));
});

Deno.test("rateInBuffer true is part of a variant's id; false is the recipe's own and is not", async () => {
  const SGD = { method: "sgd-x", batchSize: 32, depth: 2, seed: 1, baseLr: 0.1 } as const;
  const variant = (overrides: Record<string, number | boolean>): GridSpec => ({
    ...PRESETS.smoke,
    methods: [{ name: "sgd-x", base: "warmup", warmupFraction: 0.1, ...overrides }],
  });
  const plain = await runId(variant({}), SGD);
  const inside = await runId(variant({ rateInBuffer: true }), SGD);
  notStrictEqual(inside, plain);
  assertEquals(await runId(variant({ rateInBuffer: false }), SGD), plain);
  // Warmup's own runs keep their ids beside a variant that sets it.
  const warmup = { ...SGD, method: "warmup" };
  const busy: GridSpec = {
    ...PRESETS.smoke,
    methods: ["warmup", { name: "sgd-x", base: "warmup", rateInBuffer: true }],
  };
  assertEquals(await runId(busy, warmup), await runId(PRESETS.smoke, warmup));
});

Deno.test("a grid's cells carry its variants' names; lrCentres moves only its own cell's rates", async () => {
  const grid: GridSpec = {
    ...PRESETS.smoke,
    methods: ["warmup", { name: "warmup-10pct", base: "warmup", warmupFraction: 0.1 }],
    lrCentres: { "warmup-10pct": { "512": 0.025 } },
  };
  assertEquals(gridCells(grid).slice(0, 2).map((c) => c.method), ["warmup", "warmup-10pct"]);
  const rates = async (method: string, batchSize: number) => {
    const out = [];
    for (let i = 0; i < 5; i++) {
      out.push((await cellRun(grid, { method, batchSize, depth: 2 }, i, 1, "tune", "grid")).baseLr);
    }
    return out;
  };
  assertEquals(await rates("warmup-10pct", 512), [0.00625, 0.0125, 0.025, 0.05, 0.1]);
  assertEquals(await rates("warmup-10pct", 32), [0.025, 0.05, 0.1, 0.2, 0.4]);
  assertEquals(await rates("warmup", 512), [0.025, 0.05, 0.1, 0.2, 0.4]);
});

Deno.test("how a grid tunes is part of its runs' ids: standard tuned on seed 1 alone runs other runs", async () => {
  const oneSeed: GridSpec = {
    ...STANDARD,
    seeds: [1, 2, 3, 4, 5, 6],
    lrGrid: { points: 5, factor: 2, tuneOn: "first-seed" },
  };
  const run = { method: "lalc", batchSize: 128, depth: 4, seed: 1, baseLr: 0.316228 };
  notStrictEqual(await runId(oneSeed, run), await runId(STANDARD, run));
});

for (const other of ["warmup-factorial", "warmup-equivalence"]) {
  Deno.test(`a run id results/standard shares with results/${other} is the same run, measured the same`, async () => {
    // Both tune on the mean of seeds 1-3 over standard's data, model and rate grid, so their
    // plain LALC and SGD cells share runs; made on different days by different grids, the
    // shared rows must still agree to the last digit (the kernels are deterministic).
    const byId = async (name: string) => {
      const rows = parseCsv(await Deno.readTextFile(`${folder(name)}/runs.csv`));
      return new Map(rows.map((r) => [r.run_id, r]));
    };
    const [standard, theirs] = await Promise.all([byId("standard"), byId(other)]);
    const shared = [...theirs.keys()].filter((id) => standard.has(id));
    assert(shared.length >= 40, `${shared.length} shared runs`);
    // `reproduce`'s comparison, bit-exact: every column but provenance, and `preset`, which
    // names the grid that made the row.
    const drift = shared.flatMap((id) =>
      compareRun(id, standard.get(id)!, theirs.get(id)!, BIT_EXACT)
        .filter((d) => !d.withinTolerance && d.column !== "preset")
    );
    assertEquals(drift, [], `${other}: ${drift.length} cells differ`);
  });
}

Deno.test("ablation: LARS without warmup has its own ids; every cell's run is distinct", async () => {
  const first = async (grid: GridSpec, method: string) =>
    (await cellRun(grid, { method, batchSize: 2048, depth: 16 }, 0, 1, "tune", "grid")).runId;
  const ids = await Promise.all(
    gridCells(ABLATION).map((c) => cellRun(ABLATION, c, 0, 1, "tune", "grid").then((r) => r.runId)),
  );
  assertEquals(new Set(ids).size, 24);
  // The same LARS variant with its recipe's warmup is another run.
  const warm: GridSpec = {
    ...ABLATION,
    methods: ABLATION.methods.map((m) =>
      typeof m === "string" || m.base !== "lars" ? m : { ...m, warmupFraction: undefined }
    ),
  };
  notStrictEqual(await first(ABLATION, "lars-k0.02"), await first(warm, "lars-k0.02"));
  // LALC's own runs and its variants' do not move with LARS's schedule.
  for (const m of ["lalc", "lalc-nofloor", "lalc-k0.005"]) {
    assertEquals(await first(ABLATION, m), await first(warm, m));
  }
});
