/**
 * CSV tables and figures of training traces (see `traceTraining`), one trace per method and
 * batch size.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { StepRecord } from "./trace.ts";
import { parseCsv } from "../output/csv.ts";

/** One traced run: which method at which batch size, and its records. */
export interface Trace {
  /** Method name (src/methods/recipes.ts). */
  readonly method: string;
  /** Batch size. */
  readonly batchSize: number;
  /** Global learning rate at each step (the schedule's value). */
  readonly globalLr: number[];
  /** One record per step. */
  readonly records: readonly StepRecord[];
}

function interiorMean(values: readonly number[], depth: number): number {
  // Hidden blocks 1 .. depth-2: the same layers the interior ratio uses.
  const inner = values.slice(1, depth - 1).filter((v) => Number.isFinite(v));
  return inner.reduce((a, b) => a + b, 0) / inner.length;
}

/** One row per run and step: loss, global rate, mean interior ratio and correlation. */
export function stepTable(traces: readonly Trace[], depth: number): string[][] {
  const rows = [[
    "method",
    "batchSize",
    "step",
    "loss",
    "globalLr",
    "meanRatio",
    "meanCorrelation",
    "firstOverLastBlock",
  ]];
  for (const t of traces) {
    for (const r of t.records) {
      rows.push([
        t.method,
        String(t.batchSize),
        String(r.step),
        r.loss.toFixed(6),
        t.globalLr[r.step].toExponential(6),
        r.meanRatio.toFixed(6),
        interiorMean(r.correlations, depth).toFixed(6),
        (r.gradNorms[0] / r.gradNorms[depth - 1]).toFixed(6),
      ]);
    }
  }
  return rows;
}

/** One row per run, step and weight layer: gradient norm, applied rate, activation correlation. */
export function layerStepTable(traces: readonly Trace[]): string[][] {
  const rows = [[
    "method",
    "batchSize",
    "step",
    "layer",
    "gradNorm",
    "learningRate",
    "correlation",
  ]];
  for (const t of traces) {
    for (const r of t.records) {
      r.gradNorms.forEach((g, layer) => {
        const c = r.correlations[layer];
        rows.push([
          t.method,
          String(t.batchSize),
          String(r.step),
          String(layer),
          g.toExponential(6),
          r.learningRates[layer].toExponential(6),
          Number.isFinite(c) ? c.toFixed(6) : "",
        ]);
      });
    }
  }
  return rows;
}

/** Keeps every `every`-th step (and the last) so figures stay small. */
function thin(records: readonly StepRecord[], every: number): StepRecord[] {
  return records.filter((r, i) => r.step % every === 0 || i === records.length - 1);
}

/**
 * Two rows of panels, one column per batch size: the mean interior gradient-norm ratio and
 * the mean interior activation correlation over steps, one line per method. Answers "does the
 * explosion fade as the correlation rises?".
 */
export function explosionVsCorrelationSpec(traces: readonly Trace[], depth: number): TopLevelSpec {
  const values = traces.flatMap((t) =>
    t.records.flatMap((r) => [
      {
        method: t.method,
        batch: t.batchSize,
        step: r.step,
        quantity: "mean interior ratio",
        v: r.meanRatio,
      },
      {
        method: t.method,
        batch: t.batchSize,
        step: r.step,
        quantity: "mean pairwise cosine of activations",
        v: interiorMean(r.correlations, depth),
      },
    ])
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Gradient explosion rate and activation correlation during training",
    data: { values },
    facet: {
      row: { field: "quantity", type: "nominal", title: null },
      column: { field: "batch", type: "ordinal", title: "batch size" },
    },
    resolve: { scale: { y: "independent", x: "independent" } },
    spec: {
      width: 300,
      height: 180,
      mark: { type: "line", strokeWidth: 1.2 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        y: { field: "v", type: "quantitative", scale: { zero: false }, title: null },
        color: { field: "method", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

/**
 * Per-layer lines over steps (color = layer index, input side dark), one panel per method
 * (rows) and batch size (columns), for `gradNorm`, `learningRate` or `correlation`.
 */
export function layerStepSpec(
  traces: readonly Trace[],
  what: "gradNorm" | "learningRate" | "correlation",
  every = 4,
): TopLevelSpec {
  const values = traces.flatMap((t) =>
    thin(t.records, every).flatMap((r) => {
      const series = what === "gradNorm"
        ? r.gradNorms
        : what === "learningRate"
        ? r.learningRates
        : r.correlations;
      // Log axes drop zeros (a warmup's step 0 has rate 0), which would blank the panel.
      return series.flatMap((v, layer) =>
        Number.isFinite(v) && (what === "correlation" || v > 0)
          ? [{ method: t.method, batch: t.batchSize, step: r.step, layer, v }]
          : []
      );
    })
  );
  const titles = {
    gradNorm: ["Per-layer weight-gradient norm during training", "||dL/dW||"],
    learningRate: ["Per-layer learning rate applied by the optimizer", "learning rate"],
    correlation: ["Per-layer mean pairwise cosine of the samples' activations", "cosine"],
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: titles[what][0],
    data: { values },
    facet: {
      row: { field: "method", type: "nominal", title: null },
      column: { field: "batch", type: "ordinal", title: "batch size" },
    },
    resolve: { scale: { x: "independent" } },
    spec: {
      width: 260,
      height: 120,
      mark: { type: "line", strokeWidth: 1 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        y: {
          field: "v",
          type: "quantitative",
          scale: what === "correlation" ? { zero: false } : { type: "log" },
          title: titles[what][1],
        },
        color: {
          field: "layer",
          type: "quantitative",
          scale: { scheme: "viridis" },
          title: "layer",
        },
        detail: { field: "layer", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

/**
 * Rebuilds the traces from the `steps.csv` and `layers.csv` texts that {@link stepTable} and
 * {@link layerStepTable} wrote, so figures can be redrawn without training again.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { toCsv } from "../output/csv.ts";
 * import { layerStepTable, stepTable, tracesFromCsv } from "./trace_report.ts";
 * const record = { step: 0, loss: 2.3, meanRatio: 1.2, gradNorms: [1, 2, 3], learningRates: [0.1, 0.1, 0.1], correlations: [0.5, 0.6, NaN] };
 * const traces = [{ method: "lalc", batchSize: 64, globalLr: [0.1], records: [record] }];
 * const back = tracesFromCsv(toCsv(stepTable(traces, 3)), toCsv(layerStepTable(traces)));
 * assertEquals(back[0].records[0].gradNorms, [1, 2, 3]);
 * assertEquals([back[0].method, back[0].batchSize, back[0].globalLr], ["lalc", 64, [0.1]]);
 * ```
 */
export function tracesFromCsv(
  stepsCsv: string,
  layersCsv: string,
  sources = { steps: "steps.csv", layers: "layers.csv" },
): Trace[] {
  const byRun = new Map<
    string,
    { method: string; batchSize: number; globalLr: number[]; records: StepRecord[] }
  >();
  const records = new Map<
    string,
    StepRecord & { gradNorms: number[]; learningRates: number[]; correlations: number[] }
  >();
  for (const row of parseCsv(stepsCsv, sources.steps)) {
    const key = `${row.method}/${row.batchSize}`;
    let run = byRun.get(key);
    if (run === undefined) {
      run = { method: row.method, batchSize: Number(row.batchSize), globalLr: [], records: [] };
      byRun.set(key, run);
    }
    const step = Number(row.step);
    run.globalLr[step] = Number(row.globalLr);
    const record = {
      step,
      loss: Number(row.loss),
      meanRatio: Number(row.meanRatio),
      gradNorms: [],
      learningRates: [],
      correlations: [],
    };
    run.records.push(record);
    records.set(`${key}/${step}`, record);
  }
  for (const row of parseCsv(layersCsv, sources.layers)) {
    const record = records.get(`${row.method}/${row.batchSize}/${row.step}`);
    if (record === undefined) {
      throw new Error(
        `layers.csv has a row for ${row.method} batch ${row.batchSize} step ${row.step} that steps.csv lacks`,
      );
    }
    const layer = Number(row.layer);
    record.gradNorms[layer] = Number(row.gradNorm);
    record.learningRates[layer] = Number(row.learningRate);
    record.correlations[layer] = row.correlation === "" ? NaN : Number(row.correlation);
  }
  return [...byRun.values()];
}
