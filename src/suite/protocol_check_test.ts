import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { claimRows } from "./claims.ts";
import { checkProtocol } from "./protocol_check.ts";
import type { ProtocolInput } from "./protocol_check.ts";
import { RUN_COLUMNS } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { summarizeCells } from "./select.ts";
import { SMOKE } from "./presets.ts";
import { folderStatistics } from "./statistics.ts";
import { claimsCsv, summaryCsv } from "./tables.ts";
import { type GridSpec, METHODS } from "./types.ts";

/** A complete, protocol-following folder: every method at batch 32 and 512, depth 2, five
 * grid rates with an interior validation optimum at index 2, seeds 2-6 there. */
function folder(): RunRow[] {
  const rows: RunRow[] = [];
  for (const method of METHODS) {
    for (const batchSize of [32, 512]) {
      const base = {
        method,
        batchSize,
        depth: 2,
        status: "ok",
        valSamples: 667,
        testSamples: 1000,
      } as const;
      for (let i = 0; i < 5; i++) {
        rows.push({
          ...base,
          runId: `${method}${batchSize}t${i}`,
          phase: "tune",
          lrIndex: i,
          baseLr: 0.1 * 2 ** i,
          seed: 1,
          valAccuracy: 0.8 - 0.01 * (i - 2) ** 2,
          finalTestAccuracy: 0.5,
          search: "grid",
        } as RunRow);
      }
      for (let seed = 2; seed <= 6; seed++) {
        rows.push({
          ...base,
          runId: `${method}${batchSize}s${seed}`,
          phase: "seed",
          lrIndex: 2,
          baseLr: 0.4,
          seed,
          valAccuracy: 0.8,
          finalTestAccuracy: 0.8 + seed / 1000,
          search: "interior",
        } as RunRow);
      }
    }
  }
  return rows;
}

function input(rows: RunRow[], extra: Partial<ProtocolInput> = {}): ProtocolInput {
  const cells = summarizeCells(rows);
  return {
    rows,
    runsHeader: [...RUN_COLUMNS],
    summaryText: summaryCsv(cells),
    claimsText: claimsCsv(claimRows(cells)),
    expectedTestSamples: 1000,
    ...extra,
  };
}

const failing = (i: ProtocolInput) => checkProtocol(i).filter((c) => !c.ok).map((c) => c.name);

Deno.test("a folder that follows the protocol passes every check", () => {
  const checks = checkProtocol(input(folder()));
  assertEquals(checks.length, 8);
  assert(checks.every((c) => c.ok), JSON.stringify(checks.filter((c) => !c.ok)));
});

Deno.test("each violation fails its own check", () => {
  const rows = folder();
  assertEquals(
    failing(input(rows, { runsHeader: RUN_COLUMNS.filter((c) => c !== "val_accuracy") })),
    [
      "runs.csv has the validation columns",
    ],
  );
  // A run tested on 500 of the 1000 test images.
  const partial = rows.map((r, i) => (i === 3 ? { ...r, testSamples: 500 } : r));
  assertEquals(failing(input(partial)), [
    "every run has a validation split and the whole test set",
  ]);
  // The held-out seeds of one cell ran at index 3, not the argmax 2.
  const off = rows.map((r) =>
    r.method === "lalc" && r.batchSize === 32 && r.phase === "seed" ? { ...r, lrIndex: 3 } : r
  );
  assert(
    failing(input(off)).includes("held-out seeds run at the validation argmax, none a tuning seed"),
  );
  // A tuning seed reused as a held-out seed.
  const reused = rows.map((r) => (r.runId === "lars32s2" ? { ...r, seed: 1 } : r));
  assert(
    failing(input(reused)).includes(
      "held-out seeds run at the validation argmax, none a tuning seed",
    ),
  );
  // One of 10 cells peaking at its top rate is 10%: not fewer than 10%.
  const edge = rows.map((r) =>
    r.method === "lamb" && r.batchSize === 512 && r.phase === "tune"
      ? { ...r, valAccuracy: 0.5 + 0.01 * r.lrIndex }
      : r
  );
  assert(failing(input(edge)).includes("fewer than 10% of cells have their best rate at an edge"));
  // A cell with 4 held-out seeds.
  const four = rows.filter((r) => r.runId !== "warmup512s6");
  assertEquals(failing(input(four)), ["every cell has 5 or more held-out seeds"]);
  // Missing tables, or a table without its columns.
  assertEquals(failing(input(rows, { summaryText: "", claimsText: "claim,depth\nx,1\n" })), [
    "summary.csv has its columns",
    "claims.csv has its columns",
    HOLM_CHECK,
  ]);
});

const HOLM_CHECK = "claims.csv verdicts follow Holm-adjusted p-values (alpha 0.05) of runs.csv";

Deno.test("claims.csv must carry the Holm-adjusted p-values of runs.csv and verdicts from them", () => {
  // LALC 1 to 3 points above linear scaling at batch 512: decisive after Holm.
  const rows = folder().map((r) =>
    r.method === "lalc" && r.batchSize === 512 && r.phase === "seed"
      ? { ...r, finalTestAccuracy: r.finalTestAccuracy + 0.01 + 0.005 * (r.seed % 3) }
      : r
  );
  const good = input(rows);
  assertEquals(failing(good), []);
  const holm = checkProtocol(good).find((c) => c.name === HOLM_CHECK)!;
  assertEquals(holm.detail, "family of 5 claims, 3 decisive at Holm p < 0.05");
  const text = good.claimsText;
  const [header, ...lines] = text.trimEnd().split("\n");
  const col = header.split(",");
  const edit = (name: string, to: (cell: string) => string, row = 0) =>
    [
      header,
      ...lines.map((l, i) => {
        if (i !== row) return l;
        const cells = l.split(",");
        cells[col.indexOf(name)] = to(cells[col.indexOf(name)]);
        return cells.join(",");
      }),
    ].join("\n") + "\n";
  const inconclusive = lines.findIndex((l) => l.endsWith("inconclusive"));
  // A verdict read from somewhere other than the Holm p-value.
  assertEquals(
    failing({ ...good, claimsText: edit("verdict", () => "supported", inconclusive) }),
    [HOLM_CHECK],
  );
  // An unadjusted p-value written where the Holm-adjusted one belongs.
  const decisive = lines.findIndex((l) => l.endsWith("supported"));
  const p = lines[decisive].split(",")[col.indexOf("p_value")];
  assertEquals(
    failing({ ...good, claimsText: edit("p_holm", () => p, decisive) }),
    [HOLM_CHECK],
  );
  // A table written before the correction: no p-value columns.
  const old = text.split("\n").map((l) =>
    l.split(",").filter((_, i) => !/^(p_|bonferroni_)/.test(col[i])).join(",")
  ).join("\n");
  assertEquals(failing({ ...good, claimsText: old }), ["claims.csv has its columns", HOLM_CHECK]);
  // A claim row missing.
  assertEquals(
    failing({ ...good, claimsText: [header, ...lines.slice(1)].join("\n") + "\n" }),
    [HOLM_CHECK],
  );
});

/** SMOKE with seeds 1-8, tuned on the mean of seeds 1-3, with a 0.5-point margin. */
const K3_GRID: GridSpec = {
  ...SMOKE,
  seeds: [1, 2, 3, 4, 5, 6, 7, 8],
  lrGrid: { ...SMOKE.lrGrid, tuneOn: "first-k-seeds", tuneSeeds: 3 },
  equivalenceMargin: 0.005,
};

/** {@link folder} tuned on seeds 1-3 (seed 1 alone would pick index 1 in lalc's cells)
 * with held-out seeds 4-8, as {@link K3_GRID} runs it; warmup's held-out seeds within 0.1
 * points of LALC's, either side (equivalent within 0.5). */
function folderK3(): RunRow[] {
  return folder().flatMap((r) => {
    if (r.phase === "seed") {
      const noise = r.method === "warmup" ? 0.001 * ((r.seed % 3) - 1) : 0;
      return [{
        ...r,
        seed: r.seed + 2,
        runId: `${r.runId}+2`,
        finalTestAccuracy: r.finalTestAccuracy + noise,
      }];
    }
    return [1, 2, 3].map((seed) => ({
      ...r,
      seed,
      runId: `${r.runId}s${seed}`,
      valAccuracy: seed === 1 && r.method === "lalc"
        ? 0.8 - 0.01 * (r.lrIndex - 1) ** 2
        : r.valAccuracy,
    }));
  });
}

/** {@link input} for `rows` of `grid`, its tables written as the report writes them. */
function inputOf(rows: RunRow[], grid: GridSpec): ProtocolInput {
  const { cells, claims, claimOptions } = folderStatistics(rows, grid);
  return {
    ...input(rows),
    summaryText: summaryCsv(cells),
    claimsText: claimsCsv(claims, claimOptions),
    grid,
  };
}

const TUNING_CHECK = "every tried rate ran on the 3 tuning seeds (1,2,3)";

Deno.test("a folder tuned on 3 seeds with a margin passes, with its tuning and TOST checks", () => {
  const good = inputOf(folderK3(), K3_GRID);
  const checks = checkProtocol(good);
  assertEquals(checks.length, 9);
  assert(checks.every((c) => c.ok), JSON.stringify(checks.filter((c) => !c.ok)));
  assertEquals(checks.find((c) => c.name === TUNING_CHECK)!.detail, "50 rates in 10 cells");
  const holm = checkProtocol(good).find((c) => c.name === HOLM_CHECK)!;
  assert(/family of 5 claims and 1 equivalence tests \(margin 0.005\)/.test(holm.detail));
  assert(/,equivalent$/m.test(good.claimsText), good.claimsText);
  assert(good.summaryText.split("\n")[0].endsWith(",tuning_seeds,first_seed_lr_index"));
  assert(/,margin,p_tost,p_tost_holm,verdict$/.test(good.claimsText.split("\n")[0]));
  // A rate that one tuning seed did not run.
  const missing = good.rows.filter((r) => r.runId !== "lamb32t3s2");
  assertEquals(failing(inputOf(missing, K3_GRID)), [TUNING_CHECK]);
  // A summary.csv without the tuning columns.
  const { cells } = folderStatistics(good.rows, K3_GRID);
  const plain = summaryCsv(cells.map((c) => ({ ...c, tuningSeeds: 1 })));
  assertEquals(failing({ ...good, summaryText: plain }), ["summary.csv has its columns"]);
});

Deno.test("claims.csv must carry the TOST columns exactly when the grid declares a margin", () => {
  const good = inputOf(folderK3(), K3_GRID);
  const [header, ...lines] = good.claimsText.trimEnd().split("\n");
  const col = header.split(",");
  const row = lines.findIndex((l) => l.startsWith("small-batch-vs-warmup"));
  const edited = (name: string, to: string) =>
    [
      header,
      ...lines.map((l, i) => {
        if (i !== row) return l;
        const cells = l.split(",");
        cells[col.indexOf(name)] = to;
        return cells.join(",");
      }),
    ].join("\n") + "\n";
  // A TOST p-value that is not the runs', or one written without its Holm adjustment.
  assertEquals(failing({ ...good, claimsText: edited("p_tost", "0.5") }), [HOLM_CHECK]);
  const raw = lines[row].split(",")[col.indexOf("p_tost")];
  assertEquals(failing({ ...good, claimsText: edited("p_tost_holm", raw) }), [HOLM_CHECK]);
  assertEquals(failing({ ...good, claimsText: edited("verdict", "inconclusive") }), [HOLM_CHECK]);
  // The table of the same runs without a margin: the margin's columns are missing.
  const { claims } = folderStatistics(good.rows, { ...K3_GRID, equivalenceMargin: undefined });
  assertEquals(failing({ ...good, claimsText: claimsCsv(claims) }), [
    "claims.csv has its columns",
    HOLM_CHECK,
  ]);
  // A grid without a margin (every folder before it) accepts its table without them, and
  // refuses one that has them.
  const noMargin = { ...K3_GRID, equivalenceMargin: undefined };
  assertEquals(failing({ ...good, grid: noMargin, claimsText: claimsCsv(claims) }), []);
  assertEquals(failing({ ...good, grid: noMargin }), [HOLM_CHECK]);
});

/** {@link K3_GRID} with its own comparisons: LALC against warmup at the smallest batch size
 * also tested for equivalence within the grid's margin, LALC against LARS at both sizes
 * without. */
const K3_COMPARED: GridSpec = {
  ...K3_GRID,
  comparisons: [
    { name: "lalc-vs-warmup", a: "lalc", b: "warmup", batch: "smallest", equivalence: true },
    { name: "lalc-vs-lars", a: "lalc", b: "lars" },
  ],
};

Deno.test("a comparison that asks for equivalence gets the TOST columns and their check", () => {
  const good = inputOf(folderK3(), K3_COMPARED);
  const checks = checkProtocol(good);
  assert(checks.every((c) => c.ok), JSON.stringify(checks.filter((c) => !c.ok)));
  const holm = checks.find((c) => c.name === HOLM_CHECK)!;
  assert(/family of 3 claims and 1 equivalence tests \(margin 0.005\)/.test(holm.detail));
  const [header, ...lines] = good.claimsText.trimEnd().split("\n");
  assert(/,margin,p_tost,p_tost_holm,verdict$/.test(header), header);
  // Only the comparison that asks is tested; it is equivalent as the paper's claim was.
  assertEquals(lines.map((l) => `${l.split(",")[0]} ${l.split(",").at(-1)}`), [
    "lalc-vs-warmup equivalent",
    "lalc-vs-lars inconclusive",
    "lalc-vs-lars inconclusive",
  ]);
  assert(/^lalc-vs-lars,.*,,,,inconclusive$/m.test(good.claimsText), good.claimsText);
  // A table of the same comparisons without their TOST lacks its columns.
  const plainGrid = { ...K3_COMPARED, equivalenceMargin: undefined };
  const { claims } = folderStatistics(good.rows, plainGrid);
  assertEquals(failing({ ...good, claimsText: claimsCsv(claims) }), [
    "claims.csv has its columns",
    HOLM_CHECK,
  ]);
  // A TOST p-value that is not the runs'.
  const col = header.split(",");
  const edited = [
    header,
    ...lines.map((l, i) => {
      const cells = l.split(",");
      if (i === 0) cells[col.indexOf("p_tost")] = "0.5";
      return cells.join(",");
    }),
  ].join("\n") + "\n";
  assertEquals(failing({ ...good, claimsText: edited }), [HOLM_CHECK]);
  // Comparisons none of which asks: no TOST, whatever the margin, and a table with the
  // columns is another grid's.
  const asking = { ...K3_COMPARED.comparisons![0], equivalence: false };
  const noneAsks = { ...K3_COMPARED, comparisons: [asking, K3_COMPARED.comparisons![1]] };
  assertEquals(failing(inputOf(folderK3(), noneAsks)), []);
  assert(!inputOf(folderK3(), noneAsks).claimsText.includes("p_tost"));
  assertEquals(failing({ ...good, grid: noneAsks }), [HOLM_CHECK]);
});
