/**
 * The report of a results folder: summary tables, claims, and the plots (accuracy vs batch
 * size per depth with 95% intervals, learning-rate sensitivity, training curves, LALC's
 * per-layer learning rate).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { panelFacet, writePlot } from "../output/plot.ts";
import { mean } from "../stats/stats.ts";
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
 * The colour channel of the plots: one colour per method. Past 10 methods (a grid of
 * variants) Vega's default 10 colours would repeat, so those plots take 20.
 */
function methodColor(methods: Iterable<string>, extra: Record<string, unknown> = {}) {
  const many = new Set(methods).size > 10;
  return {
    field: "method",
    type: "nominal",
    ...(many ? { scale: { scheme: "tableau20" } } : {}),
    ...extra,
  };
}

/** Width in pixels of one panel of the accuracy plot. */
const ACCURACY_PANEL_WIDTH = 260;

/**
 * Where each method's marks sit along x: the methods spread around the true value, 8 pixels
 * apart (less where the sizes run are close), so their error bars do not cover each other.
 * The shift is a factor on the log batch axis and a step on the depth axis; the ticks stay
 * at the true values.
 */
function dodge(
  methods: readonly string[],
  ticks: readonly number[],
  domain: readonly [number, number],
  byBatch: boolean,
): (method: string, x: number) => number {
  const span = (a: number, b: number) => byBatch ? Math.log2(b / a) : b - a;
  const perPixel = span(domain[0], domain[1]) / ACCURACY_PANEL_WIDTH;
  const gaps = ticks.slice(1).map((t, i) => span(ticks[i], t));
  // All the methods together take at most half of the narrowest gap.
  const step = Math.min(8 * perPixel, Math.min(...gaps) / 2 / methods.length);
  const mid = (methods.length - 1) / 2;
  return (method, x) => {
    const shift = (methods.indexOf(method) - mid) * step;
    return byBatch ? x * 2 ** shift : x + shift;
  };
}

/**
 * Test accuracy vs batch size (or vs depth, `along = "depth"`): the mean over the held-out
 * seeds, one line per method, one panel per depth (per batch size), with the Student-t 95%
 * interval of the mean as error bars, the methods side by side around each size that was run
 * (the x ticks).
 */
export function accuracySpec(
  cells: readonly CellSummary[],
  title: string,
  along: AccuracyAxis = "batch",
): TopLevelSpec {
  const byBatch = along === "batch";
  const ticks = [...new Set(cells.map((c) => byBatch ? c.batchSize : c.depth))]
    .sort((a, b) => a - b);
  const methods = [...new Set(cells.map((c) => c.method))];
  // Batch sizes grow by factors, so they sit on a log axis; depths on a linear one.
  const domain: [number, number] = byBatch
    ? [ticks[0] / 1.4, ticks.at(-1)! * 1.4]
    : [ticks[0] - 2, ticks.at(-1)! + 2];
  const at = dodge(methods, ticks, domain, byBatch);
  const values = cells.filter((c) => c.n > 0).map((c) => ({
    method: c.method,
    x: at(c.method, byBatch ? c.batchSize : c.depth),
    panel: byBatch ? `depth ${c.depth}` : `batch ${c.batchSize}`,
    panelOrder: byBatch ? c.depth : c.batchSize,
    mean: c.mean,
    // A single seed has no interval: the bar collapses to the mean.
    low: Number.isFinite(c.ciLow) ? c.ciLow : c.mean,
    high: Number.isFinite(c.ciHigh) ? c.ciHigh : c.mean,
  }));
  const n = Math.min(...cells.map((c) => c.n));
  const x = {
    field: "x",
    type: "quantitative",
    scale: byBatch ? { type: "log", base: 2, domain } : { domain, zero: false },
    axis: { values: ticks, format: "d" },
    title: byBatch ? "batch size" : "depth (layers)",
  };
  const color = methodColor(methods);
  return {
    title: {
      text: title,
      // Two short lines: Vega sizes the figure by an estimate of the text's width that
      // runs wide, so one long line left a third of the figure blank.
      subtitle: [
        `mean test accuracy over ${n}+ held-out seeds`,
        "error bars: 95% Student-t interval of the mean",
      ],
    },
    data: { values },
    facet: { column: panelFacet() },
    spec: {
      width: ACCURACY_PANEL_WIDTH,
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
            color,
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative", scale: { zero: false } },
            color,
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/** How the sensitivity plot names a tuning run's outcome (its legend). */
const TRAINED = "trained";
const DIVERGED = "diverged, drawn at 0";

/**
 * Learning-rate sensitivity, as DeepOBS draws it: the validation accuracy of every tuning
 * run against its base rate (log scale), one line per method, one panel per (depth, batch
 * size) cell. A run that diverged has no accuracy: it is drawn at 0 as a cross. The chosen
 * rate of each method is the peak of its line. Where each rate was tuned on several seeds,
 * the points are the runs and the line their mean per rate (a line through every run would
 * zigzag at each rate).
 */
export function sensitivitySpec(rows: readonly RunRow[], title: string): TopLevelSpec {
  const tuning = rows.filter((r) => r.phase === "tune");
  const values = tuning
    .map((r) => {
      const trained = r.status === "ok" && Number.isFinite(r.valAccuracy);
      return {
        method: r.method,
        panel: `depth ${r.depth}, batch ${r.batchSize}`,
        panelOrder: r.depth * 1e6 + r.batchSize,
        baseLr: r.baseLr,
        accuracy: trained ? r.valAccuracy : 0,
        outcome: trained ? TRAINED : DIVERGED,
      };
    })
    .sort((a, b) => a.baseLr - b.baseLr);
  const batches = new Set(rows.map((r) => r.batchSize)).size;
  const depths = new Set(rows.map((r) => r.depth)).size;
  const seeds = [...new Set(tuning.map((r) => r.seed))].sort((a, b) => a - b);
  const perRate = new Map<string, number>();
  for (const r of tuning) {
    const k = `${cellKey(r.method, r.batchSize, r.depth)}|${r.lrIndex}`;
    perRate.set(k, (perRate.get(k) ?? 0) + 1);
  }
  const averaged = Math.max(0, ...perRate.values()) > 1;
  const x = {
    field: "baseLr",
    type: "quantitative",
    scale: { type: "log" },
    title: "base learning rate (per 256 samples)",
  };
  const y = { field: "accuracy", type: "quantitative", title: "validation accuracy" };
  const color = methodColor(values.map((v) => v.method));
  return {
    title: {
      text: title,
      subtitle: [
        `validation accuracy of each tuning run (seed ${seeds.join(", ")})` +
        (averaged ? "; line: their mean per rate" : ""),
        "a run whose loss went to NaN or infinity has no accuracy: a cross at 0",
      ],
    },
    data: { values },
    facet: panelFacet(),
    // A row per depth, a column per batch size; with one batch size, the depths side by side.
    columns: batches > 1 ? batches : Math.min(depths, 3),
    spec: {
      width: 200,
      height: 150,
      layer: [
        {
          mark: { type: "line" },
          encoding: { x, y: averaged ? { ...y, aggregate: "mean" } : y, color },
        },
        {
          mark: { type: "point", filled: true, size: 40, opacity: 1 },
          encoding: {
            x,
            y,
            color,
            shape: {
              field: "outcome",
              type: "nominal",
              title: "tuning run",
              scale: { domain: [TRAINED, DIVERGED], range: ["circle", "cross"] },
              // Vega's estimate of a label's width runs wide: room for the whole label.
              legend: { labelLimit: 250 },
            },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/** Per method, panel and epoch: the mean and range of `accuracy` over the held-out seeds. */
interface CurvePoint {
  method: string;
  panel: string;
  panelOrder: number;
  epoch: number;
  mean: number;
  low: number;
  high: number;
  seeds: number;
}

/**
 * Validation accuracy over epochs at each cell's tuned rate, over the held-out seeds (the
 * runs the accuracy plot reports, not the tuning run that chose the rate): their mean as a
 * line, their lowest to highest as a band; panels depth x batch. (The test set is evaluated
 * only at the end; older folders without validation fall back to their test curves.)
 */
export function curvesSpec(
  rows: readonly RunRow[],
  curves: readonly Record<string, string>[],
  title: string,
): TopLevelSpec {
  const tuned = tunedRunIds(rows);
  const heldOut = rows.filter((r) => tuned.has(r.runId) && r.phase === "seed");
  const keep = new Set(heldOut.map((r) => r.runId));
  const groups = new Map<string, CurvePoint & { all: number[] }>();
  for (const c of curves) {
    // A folder without the validation column falls back to test; an empty cell is skipped.
    const accuracy = c.val_accuracy ?? c.test_accuracy ?? "";
    if (!keep.has(c.run_id) || accuracy === "") continue;
    const key = `${c.method}|${c.depth}|${c.batch_size}|${c.epoch}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        method: c.method,
        panel: `depth ${c.depth}, batch ${c.batch_size}`,
        panelOrder: parseNumber(c.depth) * 1e6 + parseNumber(c.batch_size),
        epoch: parseNumber(c.epoch),
        mean: NaN,
        low: NaN,
        high: NaN,
        seeds: 0,
        all: [],
      };
      groups.set(key, g);
    }
    g.all.push(parseNumber(accuracy));
  }
  const values: CurvePoint[] = [...groups.values()].map(({ all, ...g }) => ({
    ...g,
    mean: mean(all),
    low: Math.min(...all),
    high: Math.max(...all),
    seeds: all.length,
  })).sort((a, b) => a.epoch - b.epoch);
  const seeds = [...new Set(heldOut.map((r) => r.seed))].length;
  const x = { field: "epoch", type: "quantitative" };
  // Full-strength legend symbols: the band's opacity would otherwise pale them.
  const color = methodColor(values.map((v) => v.method), { legend: { symbolOpacity: 1 } });
  return {
    title: {
      text: title,
      subtitle: `line: mean of the ${seeds} held-out seeds at the tuned rate; ` +
        "band: lowest to highest seed",
    },
    data: { values },
    facet: panelFacet(),
    columns: 3,
    spec: {
      width: 200,
      height: 150,
      layer: [
        {
          mark: { type: "area", opacity: 0.2 },
          encoding: {
            x,
            y: { field: "low", type: "quantitative", scale: { zero: false } },
            y2: { field: "high" },
            color,
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: {
              field: "mean",
              type: "quantitative",
              title: "validation accuracy",
              scale: { zero: false },
            },
            color,
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/**
 * LALC's per-layer rate divided by the global rate over the first steps (tuned rate, deepest
 * depth): one panel per layer (layers overlap where they sit at the same ratio, so each gets
 * its own), one line per batch size. The log axis ends just above the data's largest ratio
 * (LALC clips at 1 times the global rate).
 */
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
      batch: String(r.batch_size),
      batchOrder: Number(r.batch_size),
      step: Number(r.step),
      layer: Number(r.layer_index),
      ratio: parseNumber(r.layer_lr) / parseNumber(r.global_lr),
    }))
    .filter((v) => Number.isFinite(v.ratio) && v.ratio > 0);
  const last = Math.max(...values.map((v) => v.layer));
  const panels = values.map((v) => ({
    ...v,
    panel: v.layer === 0
      ? "layer 0 (input)"
      : v.layer === last
      ? `layer ${v.layer} (classifier)`
      : `layer ${v.layer}`,
  }));
  const ratios = values.map((v) => v.ratio);
  // Headroom above the largest ratio, so a layer held at the ceiling is not drawn on the frame.
  const high = Math.max(...ratios) * 1.25;
  const low = Math.min(...ratios, high / 10);
  const ticks = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]
    .filter((t) => t >= low && t <= high);
  return {
    title: `${title} (depth ${depth})`,
    data: { values: panels },
    facet: panelFacet("panel", "layer"),
    columns: 5,
    spec: {
      width: 180,
      height: 90,
      mark: { type: "line" },
      encoding: {
        x: { field: "step", type: "quantitative", title: "step" },
        y: {
          field: "ratio",
          type: "quantitative",
          scale: { type: "log", domain: [low, high], nice: false },
          axis: { values: ticks },
          title: "layer rate / global rate",
        },
        color: {
          field: "batch",
          type: "ordinal",
          title: "batch size",
          sort: { field: "batchOrder" },
          scale: { scheme: "category10" },
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
          `${name}: validation accuracy during training (tuned rate, held-out seeds)`,
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
