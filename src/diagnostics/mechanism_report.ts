/**
 * Tables and figures of the mechanism test: per-step and per-layer CSV rows, the intervention
 * table (steps until the explosion fades, per input correlation and method, with 95%
 * Student-t intervals over seeds) and the tracking table (which quantity follows the measured ratio).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { MechanismStep } from "./mechanism.ts";
import { stepsToFade } from "./mechanism.ts";
import { predictedRatios } from "./prediction.ts";
import { mean, tInterval } from "../stats/stats.ts";

/** One run of the test. */
export interface MechanismRun {
  /** Data set name (`synthetic` or `fashion-mnist`). */
  readonly dataset: string;
  /** Input correlation level `c`. */
  readonly correlation: number;
  /** `momentum` (constant rate) or `warmup` (linear warmup, then constant). */
  readonly method: string;
  /** Seed of weights, data order (and synthetic data). */
  readonly seed: number;
  /** The run's steps. */
  readonly steps: readonly MechanismStep[];
}

/** Measures reported per layer, in CSV column order. */
export const LAYER_FIELDS = [
  "centredCosineMean",
  "centredCosineRms",
  "gateAgreement",
  "varianceRetention",
  "gateOpen",
  "unitCorrelationFactor",
  "gammaSquared",
  "kernelGain",
  "outputVariance",
  "backwardGain",
  "backwardGainFromRetention",
] as const;

const KEYS = ["dataset", "correlation", "method", "seed"] as const;

/** The `KEYS` cells of run `r`, then the step: the first columns of every per-step row. */
function keyCells(r: MechanismRun, step: number): string[] {
  return [r.dataset, String(r.correlation), r.method, String(r.seed), String(step)];
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : "NaN";
}

/** The mean of the finite values (a measure is NaN where it is undefined, e.g. a dead layer). */
function finiteMean(values: readonly number[]): number {
  return mean(values.filter(Number.isFinite));
}

/** Interior ratio indices 1 .. depth-2 (as `interiorRatioIndices`). */
function interiorMean(values: readonly number[], depth: number): number {
  return finiteMean(values.slice(1, depth - 1));
}

/** Rows (header first) of `steps.csv`: one per run and step. */
export function stepRows(runs: readonly MechanismRun[], depth: number): string[][] {
  const rows = [[
    ...KEYS,
    "step",
    "learningRate",
    "loss",
    "meanRatio",
    "predictedMeanRatio",
    "predictedRetentionMeanRatio",
  ]];
  for (const r of runs) {
    for (const s of r.steps) {
      const m = s.measures;
      rows.push([
        ...keyCells(r, s.step),
        fmt(s.learningRate),
        fmt(s.loss),
        fmt(s.meanRatio),
        m ? fmt(interiorMean(predictedRatios(m, "measured-variance"), depth)) : "",
        m ? fmt(interiorMean(predictedRatios(m, "retention"), depth)) : "",
      ]);
    }
  }
  return rows;
}

/** Rows of `layers.csv`: one per run, measurement step and block. */
export function layerRows(runs: readonly MechanismRun[]): string[][] {
  const rows = [[
    ...KEYS,
    "step",
    "block",
    "measuredRatio",
    "predictedRatio",
    "predictedRetentionRatio",
    ...LAYER_FIELDS,
  ]];
  for (const r of runs) {
    for (const s of r.steps) {
      if (s.measures === undefined) continue;
      const full = predictedRatios(s.measures, "measured-variance");
      const diag = predictedRatios(s.measures, "retention");
      s.measures.blocks.forEach((b, i) => {
        rows.push([
          ...keyCells(r, s.step),
          String(i + 1),
          fmt(s.ratios[i]),
          fmt(full[i]),
          fmt(diag[i]),
          ...LAYER_FIELDS.map((f) => fmt(b[f])),
        ]);
      });
    }
  }
  return rows;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k) ?? [];
    list.push(t);
    out.set(k, list);
  }
  return out;
}

/**
 * Rows of `intervention.csv`: per data set, correlation and method, the steps until the mean
 * interior ratio (averaged over `window` steps) falls below `threshold`, as the mean and 95%
 * t-interval over seeds. A censored run (never below within its length) counts as its length,
 * so a row with censored runs gives a lower bound; `censored` says how many.
 */
export function interventionRows(
  runs: readonly MechanismRun[],
  threshold: number,
  window: number,
): string[][] {
  const rows = [[
    "dataset",
    "correlation",
    "method",
    "seeds",
    "stepsToFadeMean",
    "ci95Low",
    "ci95High",
    "censored",
    "perSeed",
    "ratioStep0Mean",
    "gateAgreementStep0",
    "varianceRetentionStep0",
    "centredCosineRmsStep0",
  ]];
  const groups = groupBy(runs, (r) => `${r.dataset}|${r.correlation}|${r.method}`);
  for (const list of groups.values()) {
    const fades = list.map((r) => stepsToFade(r.steps.map((s) => s.meanRatio), threshold, window));
    const values = fades.map((f, i) => f ?? list[i].steps.length);
    const ci = tInterval(values);
    const first = (f: "gateAgreement" | "varianceRetention" | "centredCosineRms") =>
      finiteMean(list.map((r) => {
        const m = r.steps[0].measures;
        return m ? finiteMean(m.blocks.slice(1, -1).map((b) => b[f])) : NaN;
      }));
    rows.push([
      list[0].dataset,
      String(list[0].correlation),
      list[0].method,
      String(list.length),
      ci.mean.toFixed(1),
      ci.low.toFixed(1),
      ci.high.toFixed(1),
      String(fades.filter((f) => f === undefined).length),
      fades.map((f, i) => f ?? `>${list[i].steps.length - window}`).join(" "),
      fmt(finiteMean(list.map((r) => r.steps[0].meanRatio))),
      fmt(first("gateAgreement")),
      fmt(first("varianceRetention")),
      fmt(first("centredCosineRms")),
    ]);
  }
  return rows;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  // A constant series (e.g. a constant learning rate) has no correlation with anything.
  const flat = (ss: number, m: number) => ss <= 1e-12 * n * Math.max(m * m, 1e-30);
  return flat(saa, ma) || flat(sbb, mb) ? NaN : sab / Math.sqrt(saa * sbb);
}

/** The quantities whose track over a run is compared with the measured mean interior ratio. */
export const TRACKED = [
  "predictedMeanRatio",
  "predictedRetentionMeanRatio",
  "varianceRetention",
  "gateAgreement",
  "centredCosineRms",
  "unitCorrelationFactor",
  "kernelGain",
  "learningRate",
  "loss",
] as const;

/** Per measurement step of a run: the measured mean interior ratio and each tracked quantity. */
export function trackedSeries(run: MechanismRun, depth: number): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const s of run.steps) {
    const m = s.measures;
    if (m === undefined) continue;
    const inner = (f: (typeof LAYER_FIELDS)[number]) =>
      finiteMean(m.blocks.slice(1, depth - 1).map((b) => b[f]));
    out.push({
      step: s.step,
      meanRatio: s.meanRatio,
      predictedMeanRatio: interiorMean(predictedRatios(m, "measured-variance"), depth),
      predictedRetentionMeanRatio: interiorMean(predictedRatios(m, "retention"), depth),
      varianceRetention: inner("varianceRetention"),
      gateAgreement: inner("gateAgreement"),
      centredCosineRms: inner("centredCosineRms"),
      unitCorrelationFactor: inner("unitCorrelationFactor"),
      kernelGain: inner("kernelGain"),
      learningRate: s.learningRate,
      loss: s.loss,
    });
  }
  return out;
}

/**
 * Rows of `tracking.csv`: per data set and method, for each tracked quantity, the Pearson
 * correlation over measurement steps with the measured mean interior ratio (mean and 95%
 * t-interval over the runs, i.e. seeds x correlation levels), and for the two predictions the
 * mean absolute error.
 */
export function trackingRows(runs: readonly MechanismRun[], depth: number): string[][] {
  const rows = [[
    "dataset",
    "method",
    "quantity",
    "runs",
    "pearsonMean",
    "ci95Low",
    "ci95High",
    "meanAbsError",
  ]];
  const groups = groupBy(runs, (r) => `${r.dataset}|${r.method}`);
  for (const list of groups.values()) {
    const series = list.map((r) => trackedSeries(r, depth));
    for (const q of TRACKED) {
      const rs = series.map((s) => pearson(s.map((p) => p.meanRatio), s.map((p) => p[q])))
        .filter(Number.isFinite);
      const ci = tInterval(rs);
      const mae = q.startsWith("predicted")
        ? finiteMean(series.flatMap((s) => s.map((p) => Math.abs(p[q] - p.meanRatio))))
        : NaN;
      rows.push([
        list[0].dataset,
        list[0].method,
        q,
        String(rs.length),
        ci.mean.toFixed(3),
        ci.low.toFixed(3),
        ci.high.toFixed(3),
        Number.isFinite(mae) ? mae.toFixed(4) : "",
      ]);
    }
  }
  return rows;
}

/** Data rows for the plots: mean over seeds per data set, correlation, method and step. */
export function plotPoints(
  runs: readonly MechanismRun[],
  depth: number,
): Record<string, unknown>[] {
  const groups = groupBy(runs, (r) => `${r.dataset}|${r.correlation}|${r.method}`);
  const out: Record<string, unknown>[] = [];
  for (const list of groups.values()) {
    const series = list.map((r) => trackedSeries(r, depth));
    for (let k = 0; k < series[0].length; k++) {
      const at = (q: string) => finiteMean(series.map((s) => s[k]?.[q] ?? NaN));
      const base = {
        dataset: list[0].dataset,
        correlation: list[0].correlation,
        method: list[0].method,
        panel: `${list[0].dataset}, ${list[0].method}`,
        step: series[0][k].step,
      };
      for (const q of ["meanRatio", ...TRACKED]) out.push({ ...base, quantity: q, value: at(q) });
    }
  }
  return out;
}

/** Measured against predicted mean interior ratio over steps, one panel per data set, method and correlation. */
export function predictedVsMeasuredSpec(points: readonly Record<string, unknown>[]): TopLevelSpec {
  const wanted = new Set(["meanRatio", "predictedMeanRatio", "predictedRetentionMeanRatio"]);
  const names: Record<string, string> = {
    meanRatio: "measured",
    predictedMeanRatio: "predicted (measured pre-BN variance)",
    predictedRetentionMeanRatio: "predicted (retention, uncorrelated units)",
  };
  return {
    title:
      "Mean interior gradient ratio: measured vs predicted from activation statistics (mean of seeds)",
    data: {
      values: points.filter((p) => wanted.has(p.quantity as string)).map((p) => ({
        ...p,
        series: names[p.quantity as string],
      })),
    },
    facet: {
      row: { field: "correlation", type: "ordinal", title: "input correlation c" },
      column: { field: "panel", type: "nominal", title: null },
    },
    spec: {
      width: 180,
      height: 110,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        y: {
          field: "value",
          type: "quantitative",
          title: "mean interior ratio",
          scale: { zero: false },
        },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          legend: { orient: "bottom", labelLimit: 400 },
        },
      },
    },
  };
}

/** Each correlation measure (interior mean) over steps, colored by input correlation. */
export function measuresSpec(points: readonly Record<string, unknown>[]): TopLevelSpec {
  const wanted = ["varianceRetention", "gateAgreement", "centredCosineRms", "meanRatio"];
  return {
    title: "Correlation measures over training (interior blocks, mean of seeds)",
    data: { values: points.filter((p) => wanted.includes(p.quantity as string)) },
    facet: {
      row: { field: "quantity", type: "nominal", title: null, sort: wanted },
      column: { field: "panel", type: "nominal", title: null },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 180,
      height: 110,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: { field: "correlation", type: "ordinal", title: "input correlation c" },
      },
    },
  };
}

/** Steps to fade against input correlation with 95% intervals, per method and data set. */
export function interventionSpec(rows: readonly Record<string, string>[]): TopLevelSpec {
  const values = rows.map((r) => ({
    dataset: r.dataset,
    method: r.method,
    correlation: Number(r.correlation),
    mean: Number(r.stepsToFadeMean),
    low: Number(r.ci95Low),
    high: Number(r.ci95High),
  }));
  return {
    title: "Steps until the mean interior ratio < threshold (mean, 95% t-interval over seeds)",
    data: { values },
    facet: { column: { field: "dataset", type: "nominal", title: null } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "correlation", type: "quantitative", title: "input correlation c" },
            y: { field: "mean", type: "quantitative", title: "steps to fade" },
            color: { field: "method", type: "nominal" },
          },
        },
        {
          mark: { type: "errorbar", ticks: true },
          encoding: {
            x: { field: "correlation", type: "quantitative" },
            y: { field: "low", type: "quantitative", title: "steps to fade" },
            y2: { field: "high" },
            color: { field: "method", type: "nominal" },
          },
        },
      ],
    },
  };
}

/** Columns of `endpoints.csv` averaged over interior blocks and seeds. */
const ENDPOINT_FIELDS = [
  "measuredRatio",
  "predictedRatio",
  "predictedRetentionRatio",
  "gateAgreement",
  "varianceRetention",
  "gateOpen",
  "centredCosineRms",
  "unitCorrelationFactor",
  "kernelGain",
  "gammaSquared",
] as const;

/**
 * Rows of `endpoints.csv` from the rows of `layers.csv` (as parsed objects): per data set,
 * correlation and method, at the first and the last measurement step, each quantity averaged
 * over the interior blocks (2 .. D-1) and then over seeds, with the 95% t-interval over seeds
 * of the measured and the two predicted ratios.
 *
 * @example
 * ```ts
 * import { endpointRows } from "./mechanism_report.ts";
 * const row = (seed: number, step: number, block: number, r: number) => ({
 *   dataset: "d", correlation: "0", method: "m", seed: String(seed), step: String(step),
 *   block: String(block), measuredRatio: String(r), predictedRatio: String(r),
 *   predictedRetentionRatio: String(r), gateAgreement: "0", varianceRetention: "0.34",
 *   gateOpen: "0.5", centredCosineRms: "0.1", unitCorrelationFactor: "1", kernelGain: "2",
 *   gammaSquared: "1",
 * });
 * // 4 blocks: blocks 2 and 3 are interior.
 * const layers = [0, 1].flatMap((seed) =>
 *   [0, 5].flatMap((step) => [1, 2, 3, 4].map((b) => row(seed, step, b, b === 2 ? 1.2 : 1.0)))
 * );
 * const rows = endpointRows(layers);
 * if (rows.length !== 3 || rows[1][5] !== "1.10000") throw new Error(JSON.stringify(rows));
 * ```
 */
export function endpointRows(layers: readonly Record<string, string>[]): string[][] {
  const header = ["dataset", "correlation", "method", "step", "seeds"];
  for (const f of ENDPOINT_FIELDS) header.push(f);
  header.push("measuredCi95", "predictedCi95", "predictedRetentionCi95");
  const rows = [header];
  const depth = Math.max(...layers.map((r) => Number(r.block)));
  const interior = layers.filter((r) => Number(r.block) >= 2 && Number(r.block) <= depth - 1);
  const groups = groupBy(interior, (r) => `${r.dataset}|${r.correlation}|${r.method}`);
  for (const list of groups.values()) {
    const steps = list.map((r) => Number(r.step));
    for (const step of [Math.min(...steps), Math.max(...steps)]) {
      const atStep = list.filter((r) => Number(r.step) === step);
      const bySeed = [...groupBy(atStep, (r) => r.seed).values()];
      const seedMean = (f: string) => bySeed.map((rs) => finiteMean(rs.map((r) => Number(r[f]))));
      const ci = (f: string) => {
        const t = tInterval(seedMean(f));
        return `${t.low.toFixed(3)}..${t.high.toFixed(3)}`;
      };
      rows.push([
        list[0].dataset,
        list[0].correlation,
        list[0].method,
        String(step),
        String(bySeed.length),
        ...ENDPOINT_FIELDS.map((f) => finiteMean(seedMean(f)).toFixed(5)),
        ci("measuredRatio"),
        ci("predictedRatio"),
        ci("predictedRetentionRatio"),
      ]);
    }
  }
  return rows;
}
