import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  checkThresholds,
  deriveThresholds,
  floorOf,
  GATE_ALPHA,
  parseThresholds,
  ThresholdsError,
} from "./gate.ts";
import type { CellSummary } from "./select.ts";
import { tInterval } from "../stats/stats.ts";
import type { MethodName } from "./types.ts";

const cell = (
  method: MethodName,
  batchSize: number,
  accs: number[],
  divergedHeldOut = 0,
): CellSummary => {
  const ci = tInterval(accs);
  return {
    method,
    batchSize,
    depth: 2,
    lrIndex: 2,
    baseLr: 0.1,
    scaledLr: 0.1,
    valAccuracy: 0.8,
    tuningSeeds: 1,
    firstSeedLrIndex: 2,
    triedLo: 0,
    triedHi: 4,
    ratesTried: 5,
    atEdge: false,
    capHit: false,
    seeds: accs.map((_, i) => i + 2),
    accuracies: accs,
    n: accs.length,
    mean: ci.mean,
    sd: ci.sd,
    ciLow: ci.low,
    ciHigh: ci.high,
    median: ci.mean,
    spread: 0,
    divergedHeldOut,
    diverged: divergedHeldOut,
    errors: 0,
    allErrors: false,
    runs: 10,
    lossSpikes: 0,
    maxGradNorm: 1,
    maxGradNormAfterFirst: 1,
    maxGradNormGrowth: 1,
  };
};

Deno.test("checkThresholds names each failing cell with the measured value and the floor", () => {
  const five = (x: number) => [x, x, x, x, x];
  const cells = [cell("lalc", 32, five(0.8)), cell("lars", 32, five(0.6), 2)];
  const t = {
    derivation: "test",
    maxDivergedTotal: 1,
    cells: [
      { method: "lalc" as const, batchSize: 32, depth: 2, minAccuracy: 0.75, maxDiverged: 0 },
      {
        method: "lars" as const,
        batchSize: 32,
        depth: 2,
        minAccuracy: 0.7,
        maxDiverged: 1,
        refMean: 0.72,
      },
      { method: "lamb" as const, batchSize: 32, depth: 2, minAccuracy: 0.7, maxDiverged: 1 },
      {
        method: "lalc" as const,
        batchSize: 32,
        depth: 2,
        minAccuracy: 0.7,
        maxDiverged: 1,
        minSeeds: 6,
      },
    ],
  };
  const failures = checkThresholds(cells, t).map((f) => `${f.cell}: ${f.message}`);
  assertEquals(failures, [
    "lars batch 32 depth 2: mean test accuracy 0.6000 < floor 0.7000 (reference 0.7200)",
    "lars batch 32 depth 2: 2 diverged held-out runs > allowed 1",
    "lamb batch 32 depth 2: no held-out run in the results",
    "lalc batch 32 depth 2: 5 held-out seeds < required 6",
    "grid: 2 diverged held-out runs in all > allowed 1",
  ]);
  assertEquals(checkThresholds([cells[0]], { ...t, cells: [t.cells[0]] }), []);
});

Deno.test("floorOf: the Bonferroni t margin, never below the minimum", () => {
  const accs = [0.80, 0.82, 0.81, 0.79, 0.83, 0.80, 0.81, 0.82, 0.80, 0.81];
  const f = floorOf(accs, 5, 20);
  const sd = tInterval(accs).sd;
  // t(1 - 0.01/20, 9) = 4.781 (tables); margin = q * sd * sqrt(1/10 + 1/5).
  assert(Math.abs(f.q - 4.781) < 2e-3, `q ${f.q}`);
  assert(Math.abs(f.margin - f.q * sd * Math.sqrt(0.3)) < 1e-12);
  assertEquals(floorOf([0.5, 0.5, 0.5, 0.5, 0.5], 5, 20).margin, 0.005);
  throws(() => floorOf([0.5, 0.5], 5, 20), /at least 5 measured seeds/);
});

Deno.test("the derived gate's false-alarm rate is about alpha on simulated clean seeds", () => {
  // Normal seeds, 20 cells, 15 reference seeds each, 5 fresh seeds per gate run.
  let state = 12345;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const draw = (k: number) => Array.from({ length: k }, () => 0.8 + 0.02 * normal());
  const methods: MethodName[] = ["lalc", "lars", "lamb", "linear-scaling", "warmup"];
  const keys = Array.from(
    { length: 20 },
    (_, i) => ({ m: methods[i % 5], b: 32 * (1 + (i >> 2)) }),
  );
  let alarms = 0;
  const trials = 300;
  for (let t = 0; t < trials; t++) {
    const refs = keys.map((k) => ({
      method: k.m,
      batchSize: k.b,
      depth: 2,
      accuracies: draw(15),
      maxDivergedSeen: 0,
    }));
    const th = deriveThresholds(refs, 5, "sim", 10);
    if (checkThresholds(keys.map((k) => cell(k.m, k.b, draw(5))), th).length > 0) alarms++;
  }
  // Expected about GATE_ALPHA (1%): 3 of 300; allow up to 4x for the binomial noise.
  assert(alarms <= 4 * GATE_ALPHA * trials, `${alarms} false alarms in ${trials}`);
});

Deno.test("a cell of the results without a floor fails the gate", () => {
  const five = [0.8, 0.8, 0.8, 0.8, 0.8];
  const floor = {
    method: "lalc" as const,
    batchSize: 32,
    depth: 2,
    minAccuracy: 0.7,
    maxDiverged: 0,
  };
  const t = { derivation: "two cells dropped", maxDivergedTotal: 0, cells: [floor] };
  assertEquals(
    checkThresholds([cell("lalc", 32, five), cell("lars", 64, five)], t).map((f) => f.cell),
    ["lars batch 64 depth 2"],
  );
});

Deno.test("parseThresholds rejects every bad field with its path, value and range", () => {
  const good = { method: "lalc", batchSize: 32, depth: 2, minAccuracy: 0.7, maxDiverged: 0 };
  const file = (cells: unknown, extra: Record<string, unknown> = {}) => ({
    presets: { smoke: { derivation: "x", maxDivergedTotal: 0, cells, ...extra } },
  });
  const cases: [unknown, RegExp][] = [
    [{}, /^t\.json: presets is missing; expected an object of presets by name$/],
    [[], /^t\.json: the file is \[\]; expected an object/],
    [file([]), /presets\.smoke\.cells is \[\]; expected a non-empty array/],
    [file(undefined), /presets\.smoke\.cells is missing; expected a non-empty array/],
    [
      file([{ ...good, minAccuracy: "0.99" }]),
      /presets\.smoke\.cells\[0\]\.minAccuracy is "0\.99" \(text\); expected a number in \[0, 1\]/,
    ],
    [file([{ ...good, minAccuracy: null, minSeeds: -3 }]), /cells\[0\]\.minAccuracy is null/],
    [file([{ ...good, minSeeds: -3 }]), /cells\[0\]\.minSeeds is -3; expected an integer >= 1/],
    [file([{ ...good, minAccuracy: 2 }]), /cells\[0\]\.minAccuracy is 2; expected/],
    [file([{ ...good, maxDiverged: 0.5 }]), /cells\[0\]\.maxDiverged is 0\.5; expected an integer/],
    [file([{ ...good, method: "adam" }]), /cells\[0\]\.method is "adam" \(text\); expected one of/],
    [file([{ ...good, batchSize: 0 }]), /cells\[0\]\.batchSize is 0; expected an integer >= 1/],
    [file([{ ...good, measured: [0.5, 7.5] }]), /cells\[0\]\.measured is \[0\.5,7\.5\]/],
    [file([good, good]), /cells\[1\] is "lalc batch 32 depth 2" \(text\); expected each cell once/],
    [file([good], { maxDivergedTotal: -1 }), /presets\.smoke\.maxDivergedTotal is -1/],
    [file([good], { derivation: 3 }), /presets\.smoke\.derivation is 3; expected text/],
  ];
  for (const [value, pattern] of cases) {
    throws(
      () => parseThresholds(value, "t.json"),
      (e) => e instanceof ThresholdsError && pattern.test(e.message),
    );
  }
  assertEquals(parseThresholds(file([good]), "t.json").presets.smoke.cells.length, 1);
});

Deno.test("the gate prints the claims with their Holm verdicts and does not fail on them", async () => {
  const { gateMain } = await import("./cli.ts");
  const log = console.log;
  let printed = "";
  console.log = (s: string) => (printed += s + "\n");
  let code;
  try {
    code = await gateMain([new URL("../../results/cnn", import.meta.url).pathname]);
  } finally {
    console.log = log;
  }
  assertEquals(code, 0);
  const verdict = (depth: number, baseline: string) =>
    printed.split("\n").find((l) =>
      new RegExp(`^large-batch\\s+${depth}\\s+256\\s+${baseline}\\s`).test(l)
    )?.trim().split(/\s+/).at(-1);
  // Unadjusted intervals below 0 at every depth; Holm over the 9 claims keeps depth 8.
  assertEquals(
    [verdict(8, "lamb"), verdict(14, "lamb"), verdict(20, "lamb"), verdict(8, "lars")],
    ["contradicted", "inconclusive", "inconclusive", "inconclusive"],
  );
  assert(printed.includes("Holm-adjusted p < 0.05 over these 9 claims"));
});
