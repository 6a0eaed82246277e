/**
 * The report of a results folder: summary tables, claims, and the plots (accuracy vs batch
 * size per depth with 95% intervals, learning-rate sensitivity, training curves, LALC's
 * per-layer learning rate).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { writePlot } from "../output/plot.ts";
import { parseNumber } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { bestLrIndex, cellKey, summarizeCells } from "./select.ts";
import type { CellSummary } from "./select.ts";
import { FILES, readResults } from "./store.ts";
import type { ResultsFolder } from "./store.ts";

/** The run ids at each cell's tuned rate. */
function tunedRunIds(rows: readonly RunRow[]): Set<string> {
  const cells = new Map<string, RunRow[]>();
  for (const r of rows) {
    const k = cellKey(r.method, r.batchSize, r.depth);
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const ids = new Set<string>();
  for (const cellRows of cells.values()) {
    const best = bestLrIndex(cellRows);
    for (const r of cellRows) if (r.lrIndex === best) ids.add(r.runId);
  }
  return ids;
}

/** The grid axis an accuracy plot runs along; the other one makes its panels. */
export type AccuracyAxis = "batch" | "depth";

/**
 * The axis a grid's accuracy plot runs along: batch size, unless the grid ran one batch size
 * and several depths (as the `cnn` preset does), where a batch axis would be one point.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { accuracyAxis } from "./report.ts";
 * assertEquals(accuracyAxis([{ batchSize: 256, depth: 8 }, { batchSize: 256, depth: 20 }]), "depth");
 * assertEquals(accuracyAxis([{ batchSize: 32, depth: 2 }, { batchSize: 512, depth: 2 }]), "batch");
 * ```
 */
export function accuracyAxis(
  cells: readonly { readonly batchSize: number; readonly depth: number }[],
): AccuracyAxis {
  const batches = new Set(cells.map((c) => c.batchSize)).size;
  const depths = new Set(cells.map((c) => c.depth)).size;
  return batches === 1 && depths > 1 ? "depth" : "batch";
}

/**
 * Test accuracy vs batch size (or vs depth, `along = "depth"`): the mean over the held-out
 * seeds, one line per method, one panel per depth (per batch size), with the Student-t 95%
 * interval of the mean as error bars; the x ticks sit at the sizes that were run.
 */
export function accuracySpec(
  cells: readonly CellSummary[],
  title: string,
  along: AccuracyAxis = "batch",
): TopLevelSpec {
  const byBatch = along === "batch";
  const values = cells.filter((c) => c.n > 0).map((c) => ({
    method: c.method,
    x: byBatch ? c.batchSize : c.depth,
    panel: byBatch ? `depth ${c.depth}` : `batch ${c.batchSize}`,
    panelOrder: byBatch ? c.depth : c.batchSize,
    mean: c.mean,
    // A single seed has no interval: the bar collapses to the mean.
    low: Number.isFinite(c.ciLow) ? c.ciLow : c.mean,
    high: Number.isFinite(c.ciHigh) ? c.ciHigh : c.mean,
  }));
  const ticks = [...new Set(cells.map((c) => byBatch ? c.batchSize : c.depth))]
    .sort((a, b) => a - b);
  const n = Math.min(...cells.map((c) => c.n));
  // Batch sizes grow by factors, so they sit on a log axis; depths on a linear one.
  const x = {
    field: "x",
    type: "quantitative",
    scale: byBatch
      ? { type: "log", base: 2, domain: [ticks[0] / 1.4, ticks.at(-1)! * 1.4] }
      : { domain: [ticks[0] - 2, ticks.at(-1)! + 2], zero: false },
    axis: { values: ticks, format: "d" },
    title: byBatch ? "batch size" : "depth (layers)",
  };
  return {
    title: {
      text: title,
      subtitle: `mean test accuracy over ${n}+ held-out seeds; error bars: 95% Student-t ` +
        "confidence interval of the mean",
    },
    data: { values },
    // Panels in numeric order ("depth 4" before "depth 16"), not string order.
    facet: {
      column: {
        field: "panel",
        type: "nominal",
        title: null,
        sort: { field: "panelOrder", op: "min" },
      },
    },
    spec: {
      width: 220,
      height: 200,
      layer: [
        {
          mark: { type: "errorbar", ticks: true },
          encoding: {
            x,
            y: {
              field: "low",
              type: "quantitative",
              title: "test accuracy (mean, 95% CI)",
              scale: { zero: false },
            },
            y2: { field: "high" },
            color: { field: "method", type: "nominal" },
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative", scale: { zero: false } },
            color: { field: "method", type: "nominal" },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/**
 * Learning-rate sensitivity, as DeepOBS draws it: the validation accuracy of every tuning
 * run against its base rate (log scale), one line per method, one panel per (depth, batch
 * size) cell. A diverged run is drawn at 0. The chosen rate of each method is the peak of
 * its line.
 */
export function sensitivitySpec(rows: readonly RunRow[], title: string): TopLevelSpec {
  const values = rows
    .filter((r) => r.phase === "tune")
    .map((r) => ({
      method: r.method,
      panel: `depth ${r.depth}, batch ${r.batchSize}`,
      panelOrder: r.depth * 1e6 + r.batchSize,
      baseLr: r.baseLr,
      accuracy: r.status === "ok" && Number.isFinite(r.valAccuracy) ? r.valAccuracy : 0,
    }))
    .sort((a, b) => a.baseLr - b.baseLr);
  const batches = new Set(rows.map((r) => r.batchSize)).size;
  const depths = new Set(rows.map((r) => r.depth)).size;
  return {
    title: {
      text: title,
      subtitle: "validation accuracy of each tuning run (seed 1); diverged = 0",
    },
    data: { values },
    facet: {
      field: "panel",
      type: "nominal",
      title: null,
      sort: { field: "panelOrder", op: "min" },
    },
    // A row per depth, a column per batch size; with one batch size, the depths side by side.
    columns: batches > 1 ? batches : Math.min(depths, 3),
    spec: {
      width: 200,
      height: 150,
      mark: { type: "line", point: true },
      encoding: {
        x: {
          field: "baseLr",
          type: "quantitative",
          scale: { type: "log" },
          title: "base learning rate (per 256 samples)",
        },
        y: { field: "accuracy", type: "quantitative", title: "validation accuracy" },
        color: { field: "method", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

/** Validation accuracy over epochs at each cell's tuned rate (first seed), panels depth x
 * batch (the test set is evaluated only at the end; older folders without validation fall
 * back to their test curves). */
export function curvesSpec(
  rows: readonly RunRow[],
  curves: readonly Record<string, string>[],
  title: string,
): TopLevelSpec {
  const tuned = tunedRunIds(rows);
  const firstSeed = Math.min(...rows.map((r) => r.seed));
  const keep = new Set(
    rows.filter((r) => tuned.has(r.runId) && r.seed === firstSeed).map((r) => r.runId),
  );
  const values = curves
    .filter((c) => keep.has(c.run_id) && (c.val_accuracy ?? c.test_accuracy ?? "") !== "")
    .map((c) => ({
      method: c.method,
      panel: `depth ${c.depth}, batch ${c.batch_size}`,
      panelOrder: parseNumber(c.depth) * 1e6 + parseNumber(c.batch_size),
      epoch: parseNumber(c.epoch),
      accuracy: parseNumber(c.val_accuracy ?? c.test_accuracy),
      loss: parseNumber(c.train_loss),
    }));
  return {
    title,
    data: { values },
    facet: {
      field: "panel",
      type: "nominal",
      title: null,
      sort: { field: "panelOrder", op: "min" },
    },
    columns: 3,
    spec: {
      width: 200,
      height: 150,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "validation accuracy",
          scale: { zero: false },
        },
        color: { field: "method", type: "nominal" },
      },
    },
  } as TopLevelSpec;
}

/** LALC's per-layer rate divided by the global rate over the first steps (tuned rate, deepest
 * depth), one line per layer coloured by its depth in the network, one panel per batch size. */
export function layerRateSpec(
  rows: readonly RunRow[],
  layerRates: readonly Record<string, string>[],
  title: string,
): TopLevelSpec {
  const tuned = tunedRunIds(rows);
  const depth = Math.max(...layerRates.map((r) => Number(r.depth)));
  const values = layerRates
    .filter((r) => tuned.has(r.run_id) && Number(r.depth) === depth)
    .map((r) => ({
      batch: `batch ${r.batch_size}`,
      batchOrder: Number(r.batch_size),
      step: Number(r.step),
      layer: Number(r.layer_index),
      ratio: parseNumber(r.layer_lr) / parseNumber(r.global_lr),
    }))
    .filter((v) => Number.isFinite(v.ratio));
  return {
    title: `${title} (depth ${depth})`,
    data: { values },
    facet: {
      column: {
        field: "batch",
        type: "nominal",
        title: null,
        sort: { field: "batchOrder", op: "min" },
      },
    },
    spec: {
      width: 220,
      height: 200,
      mark: { type: "line" },
      encoding: {
        x: { field: "step", type: "quantitative", title: "step" },
        y: {
          field: "ratio",
          type: "quantitative",
          scale: { type: "log" },
          title: "layer rate / global rate",
        },
        detail: { field: "layer", type: "quantitative" },
        color: {
          field: "layer",
          type: "quantitative",
          title: "layer (0 = input)",
          scale: { scheme: "viridis" },
        },
      },
    },
  } as TopLevelSpec;
}

/**
 * Draws the plots of a results folder into it; returns the files written.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { drawReport } from "./report.ts";
 * const smoke = new URL("../../results/smoke", import.meta.url).pathname;
 * const dir = await Deno.makeTempDir();
 * for (const f of ["meta.json", "runs.csv", "curves.csv", "layer_rates.csv"]) {
 *   await Deno.copyFile(`${smoke}/${f}`, `${dir}/${f}`);
 * }
 * const files = await drawReport(dir);
 * assertEquals(files.slice(0, 2), [`${dir}/accuracy_vs_batch.svg`, `${dir}/accuracy_vs_batch.png`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function drawReport(dir: string, folder?: ResultsFolder): Promise<string[]> {
  const files: string[] = [];
  for (const plot of reportPlots(folder ?? await readResults(dir))) {
    files.push(...await writePlot(dir, plot.name, plot.spec()));
  }
  return files;
}

/** One plot of {@link drawReport}: its file name (without `.svg` / `.png`) and its spec. */
interface ReportPlot {
  readonly name: string;
  readonly spec: () => TopLevelSpec;
}

/** The plots {@link drawReport} draws for folder `f`, in order. */
function reportPlots(f: ResultsFolder): ReportPlot[] {
  const name = f.rows[0]?.preset ?? "grid";
  const cells = summarizeCells(f.rows);
  if (cells.length === 0) return [];
  const along = accuracyAxis(cells);
  const plots: ReportPlot[] = [
    {
      name: `accuracy_vs_${along}`,
      spec: () => accuracySpec(cells, `${name}: test accuracy at the validation-tuned rate`, along),
    },
    {
      name: "lr_sensitivity",
      spec: () => sensitivitySpec(f.rows, `${name}: learning-rate sensitivity`),
    },
  ];
  if (f.curves.length > 0) {
    plots.push({
      name: "training_curves",
      spec: () =>
        curvesSpec(
          f.rows,
          f.curves,
          `${name}: validation accuracy during training (tuned rate, first seed)`,
        ),
    });
  }
  if (f.layerRates.length > 0) {
    plots.push({
      name: "lalc_layer_rates",
      spec: () => layerRateSpec(f.rows, f.layerRates, `${name}: LALC per-layer rate, first steps`),
    });
  }
  return plots;
}

/** Modification time of `path` in ms, or undefined when it does not exist. */
async function modified(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Whether {@link drawReport} has work to do in `dir`: one of its plots is missing (never
 * drawn, or a kill stopped the drawing) or older than a results CSV it is drawn from. A grid
 * that resumes with nothing left to run draws then, instead of leaving the plots missing.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { plotsOutOfDate } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * for (const f of ["meta.json", "runs.csv", "curves.csv", "layer_rates.csv"]) {
 *   await Deno.copyFile(new URL(`../../results/smoke/${f}`, import.meta.url), `${dir}/${f}`);
 * }
 * assertEquals(await plotsOutOfDate(dir), true); // no plot drawn yet
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function plotsOutOfDate(dir: string, folder?: ResultsFolder): Promise<boolean> {
  const plots = reportPlots(folder ?? await readResults(dir));
  let newest = 0;
  for (const file of [FILES.runs, FILES.curves, FILES.layerRates]) {
    newest = Math.max(newest, await modified(`${dir}/${file}`) ?? 0);
  }
  for (const { name } of plots) {
    for (const ext of ["svg", "png"]) {
      const at = await modified(`${dir}/${name}.${ext}`);
      if (at === undefined || at < newest) return true;
    }
  }
  return false;
}
