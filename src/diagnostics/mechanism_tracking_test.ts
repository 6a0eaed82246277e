import assert from "node:assert/strict";
import {
  heldOutRows,
  runCorrelations,
  type TrackedRun,
  trackingRows,
} from "./mechanism_tracking.ts";
import { pearson } from "./correlation.ts";

/** A run whose ratio is `trend + noise`, its factor `trend` or `trend + noise` as asked. */
function run(
  seed: number,
  factorCarriesNoise: boolean,
  warmup = false,
): TrackedRun {
  const points = Array.from({ length: 40 }, (_, k) => {
    const step = 5 * k;
    const trend = Math.exp(-step / 60);
    // Deterministic "batch noise", different per seed.
    const noise = 0.03 * Math.sin(1.7 * k + 2.3 * seed) * Math.cos(0.9 * k * (seed + 1));
    const ratio = 1 + 0.2 * trend + noise;
    const factor = 1.5 - 0.5 * trend - (factorCarriesNoise ? 2 * noise : 0);
    return {
      step,
      meanRatio: ratio,
      predictedMeanRatio: ratio + 0.01,
      predictedRetentionMeanRatio: 1 + 0.2 * trend,
      varianceRetention: 0.34,
      gateAgreement: 0.1,
      centredCosineRms: 0.2,
      unitCorrelationFactor: factor,
      kernelGain: 2,
      learningRate: warmup ? Math.min(1, (step + 1) / 100) : 0.025,
      loss: 2.3 * trend + 0.1,
      runningLoss: 2.3 * trend + 0.1,
    };
  });
  return { dataset: "d", model: "mlp", correlation: 0, method: "m", seed, points };
}

Deno.test("runCorrelations: a shared trend alone gives a raw r near 1, and no diff or partial r", () => {
  const trendOnly = run(0, false);
  const r = runCorrelations(trendOnly, "unitCorrelationFactor");
  assert.ok(r.raw < -0.9, `raw ${r.raw}`);
  // The factor is an exact function of the loss here, so given the loss nothing is left.
  assert.ok(Number.isNaN(r.partial), `partial ${r.partial}`);
  const ratio = trendOnly.points.map((p) => p.meanRatio);
  const factor = trendOnly.points.map((p) => p.unitCorrelationFactor);
  assert.equal(r.raw, pearson(ratio, factor));
  // With the noise in both, the partial and differenced r are strongly negative.
  const shared = runCorrelations(run(0, true), "unitCorrelationFactor");
  assert.ok(shared.partial < -0.95, `partial ${shared.partial}`);
  assert.ok(shared.diff < -0.9, `diff ${shared.diff}`);
});

Deno.test("trackingRows: one row per quantity with values; the constant rate has no correlation", () => {
  const rows = trackingRows([run(0, true), run(1, true), run(2, true)]);
  const header = rows[0];
  const byQuantity = new Map(rows.slice(1).map((r) => [r[header.indexOf("quantity")], r]));
  assert.equal(byQuantity.get("learningRate")![header.indexOf("runs")], "0");
  const factor = byQuantity.get("unitCorrelationFactor")!;
  assert.equal(factor[header.indexOf("runs")], "3");
  assert.ok(Number(factor[header.indexOf("partialMean")]) < -0.9);
  // Under warmup, the rate is a control of the others and is itself tracked given the loss.
  const warm = trackingRows([run(0, true, true), run(1, true, true)]);
  const rate = warm.slice(1).find((r) => r[warm[0].indexOf("quantity")] === "learningRate")!;
  assert.equal(rate[warm[0].indexOf("runs")], "2");
});

Deno.test("heldOutRows: a factor that carries the ratio's own noise raises the held-out R^2", () => {
  const header = (rows: string[][]) => rows[0];
  const r2 = (rows: string[][], predictor: string) =>
    Number(
      rows.find((r) => r[header(rows).indexOf("predictor")] === predictor)![
        header(rows).indexOf("heldOutR2")
      ],
    );
  const informative = heldOutRows([0, 1, 2, 3].map((s) => run(s, true)));
  // 4 seeds: fit on 0 1, test on 2 3.
  assert.equal(informative[1][header(informative).indexOf("fitSeeds")], "0 1");
  assert.equal(informative[1][header(informative).indexOf("testSeeds")], "2 3");
  const trend = r2(informative, "trend (running loss + rate + step)");
  const withFactor = r2(informative, "trend + unit correlation");
  // Measured: 0.905 -> 0.995.
  assert.ok(withFactor > 0.99 && withFactor > trend + 0.05, `${trend} -> ${withFactor}`);
  // ratio = 1 + 0.2 trend + noise and factor = 1.5 - 0.5 trend - 2 noise: in log, about
  // -1/2 of the factor's log (the coefficient read back: measured -0.50 +- 0.05 here).
  const row = informative.find((r) =>
    r[header(informative).indexOf("predictor")] === "trend + unit correlation"
  )!;
  const coefficient = Number(row[header(informative).indexOf("unitCorrelationCoefficient")]);
  assert.ok(Math.abs(coefficient - -0.5) < 0.1, `${coefficient}`);
  // A factor that only follows the trend adds nothing out of sample.
  const trendOnly = heldOutRows([0, 1, 2, 3].map((s) => run(s, false)));
  assert.ok(
    Math.abs(
      r2(trendOnly, "trend + unit correlation") -
        r2(trendOnly, "trend (running loss + rate + step)"),
    ) <
      0.02,
  );
  // One seed: nothing to hold out.
  assert.equal(heldOutRows([run(0, true)]).length, 1);
});
