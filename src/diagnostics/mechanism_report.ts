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
import { groupRuns, TRACKED, type TrackedRun } from "./mechanism_tracking.ts";

/** One run of the test. */
export interface MechanismRun {
  /** Data set name (`synthetic` or `fashion-mnist`). */
  readonly dataset: string;
  /** Model kind: `mlp` or `resnet`. */
  readonly model: string;
  /** Input correlation level `c`. */
  readonly correlation: number;
  /**
   * `momentum` (momentum SGD, constant rate), `warmup` (momentum SGD, linear warmup, then
   * constant) or `lalc` (LALC, constant rate).
   */
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

const KEYS = ["dataset", "model", "correlation", "method", "seed"] as const;

/** The `KEYS` cells of run `r`, then the step: the first columns of every per-step row. */
function keyCells(r: MechanismRun, step: number): string[] {
  return [r.dataset, r.model, String(r.correlation), r.method, String(r.seed), String(step)];
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

/**
 * Rows (header first) of `steps.csv`: one per run and step. The predicted mean interior
 * ratios are filled on an MLP's measurement steps.
 */
export function stepRows(runs: readonly MechanismRun[]): string[][] {
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
      const depth = s.ratios.length;
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

/**
 * Rows of `layers.csv`: one per run, measurement step and block (hidden weight layer: an
 * MLP's block, a ResNet's conv), with the measured ratio of the layer's kernel-gradient norm
 * to the next one's; the predictions and measures where measured (an MLP), else NaN.
 */
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
      if (!s.measurement) continue;
      const m = s.measures;
      const full = m ? predictedRatios(m, "measured-variance") : [];
      const diag = m ? predictedRatios(m, "retention") : [];
      s.ratios.forEach((ratio, i) => {
        const b = m?.blocks[i];
        rows.push([
          ...keyCells(r, s.step),
          String(i + 1),
          fmt(ratio),
          fmt(full[i] ?? NaN),
          fmt(diag[i] ?? NaN),
          ...LAYER_FIELDS.map((f) => fmt(b ? b[f] : NaN)),
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
 * Rows of `intervention.csv`: per data set, model, correlation and method, the steps until the mean
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
    "model",
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
  const groups = groupBy(runs, (r) => `${r.dataset}|${r.model}|${r.correlation}|${r.method}`);
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
      list[0].model,
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

/** The columns of `plot_points.csv`. */
export const PLOT_POINT_FIELDS = [
  "dataset",
  "model",
  "correlation",
  "method",
  "panel",
  "step",
  "quantity",
  "value",
] as const;

/**
 * Data rows for the plots: mean over seeds per data set, model, correlation, method and
 * measurement step, of the measured ratio and every tracked quantity.
 */
export function plotPoints(runs: readonly TrackedRun[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (
    const list of groupRuns(runs, (r) => `${r.dataset}|${r.model}|${r.correlation}|${r.method}`)
  ) {
    const series = list.map((r) => r.points);
    for (let k = 0; k < series[0].length; k++) {
      const at = (q: string) =>
        finiteMean(series.map((s) => (s[k] as Record<string, number> | undefined)?.[q] ?? NaN));
      const { dataset, model, correlation, method } = list[0];
      const base = {
        dataset,
        model,
        correlation,
        method,
        // An MLP's panels keep their names; another model's say which.
        panel: model === "mlp" ? `${dataset}, ${method}` : `${dataset}, ${model}, ${method}`,
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
 * model (`mlp` where the rows have no such column), correlation and method, at the first and the last measurement step, each quantity averaged
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
 * if (rows.length !== 3 || rows[1][6] !== "1.10000") throw new Error(JSON.stringify(rows));
 * ```
 */
export function endpointRows(layers: readonly Record<string, string>[]): string[][] {
  const header = ["dataset", "model", "correlation", "method", "step", "seeds"];
  for (const f of ENDPOINT_FIELDS) header.push(f);
  header.push("measuredCi95", "predictedCi95", "predictedRetentionCi95");
  const rows = [header];
  const depth = Math.max(...layers.map((r) => Number(r.block)));
  const interior = layers.filter((r) => Number(r.block) >= 2 && Number(r.block) <= depth - 1);
  const model = (r: Record<string, string>) => r.model ?? "mlp";
  const groups = groupBy(interior, (r) => `${r.dataset}|${model(r)}|${r.correlation}|${r.method}`);
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
        model(list[0]),
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

/**
 * Rows of `by_cumulative_rate.csv`: per data set, model, correlation and method, the measured
 * mean interior ratio (averaged over `window` steps, then mean and 95% t-interval over seeds)
 * at the first step by which the learning rates applied so far add up to each of five levels:
 * 1/8, 1/4, 1/2, 3/4 and 15/16 of the largest sum every run of the study reaches (with a full
 * window left), rounded to 2 significant digits. Where the fade follows the distance the
 * optimizer has moved rather than the step count, warmup's and a constant rate's rows agree
 * at equal sums.
 *
 * @example
 * ```ts
 * import { cumulativeRateRows } from "./mechanism_report.ts";
 * const rows = [0, 1].flatMap((seed) =>
 *   Array.from({ length: 20 }, (_, step) => ({
 *     dataset: "d", correlation: "0", method: "m", seed: String(seed), step: String(step),
 *     learningRate: "0.5", meanRatio: String(1.2 - 0.01 * step),
 *   }))
 * );
 * const table = cumulativeRateRows(rows, 2);
 * // Sums reachable with 2 steps left: up to 0.5 * 18 = 9; levels 1.1, 2.3, 4.5, 6.8, 8.4.
 * if (table.length !== 6 || table[1][4] !== "1.1" || table[1][5] !== "3") throw new Error();
 * ```
 */
export function cumulativeRateRows(
  steps: readonly Record<string, string>[],
  window: number,
): string[][] {
  const rows = [[
    "dataset",
    "model",
    "correlation",
    "method",
    "cumulativeRate",
    "step",
    "seeds",
    "meanRatio",
    "ci95Low",
    "ci95High",
  ]];
  const model = (r: Record<string, string>) => r.model ?? "mlp";
  const runs = [
    ...groupBy(steps, (r) => `${r.dataset}|${model(r)}|${r.correlation}|${r.method}|${r.seed}`)
      .values(),
  ]
    .map((list) => {
      const sorted = [...list].sort((a, b) => Number(a.step) - Number(b.step));
      // before[s]: the rates applied by the updates before step s's measurement.
      const before = [0];
      for (const r of sorted) before.push(before[before.length - 1] + Number(r.learningRate));
      return { first: sorted[0], ratios: sorted.map((r) => Number(r.meanRatio)), before };
    });
  if (runs.length === 0) return rows;
  const reach = Math.min(...runs.map((r) => r.before[Math.max(0, r.ratios.length - window)]));
  const levels = [1 / 8, 1 / 4, 1 / 2, 3 / 4, 15 / 16].map((f) =>
    Number((f * reach).toPrecision(2))
  );
  const groups = groupBy(
    runs,
    (r) => `${r.first.dataset}|${model(r.first)}|${r.first.correlation}|${r.first.method}`,
  );
  for (const list of groups.values()) {
    for (const level of levels) {
      const at = list.map((r) => r.before.findIndex((b) => b >= level));
      if (at.some((s) => s < 0 || s + window > list[0].ratios.length)) continue;
      const values = list.map((r, i) => mean(r.ratios.slice(at[i], at[i] + window)));
      const ci = tInterval(values);
      const { first } = list[0];
      rows.push([
        first.dataset,
        model(first),
        first.correlation,
        first.method,
        String(level),
        String(Math.round(mean(at))),
        String(list.length),
        ci.mean.toFixed(4),
        ci.low.toFixed(4), // NaN with one seed
        ci.high.toFixed(4),
      ]);
    }
  }
  return rows;
}
