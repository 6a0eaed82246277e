/**
 * CSV tables and figures of an initialization sweep (many {@link ExplosionResult}s).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { ExplosionResult } from "./explosion.ts";

/** The configuration fields a sweep can vary, in the order they appear in CSV and labels. */
const KEYS = [
  "kind",
  "network",
  "depth",
  "width",
  "batchSize",
  "correlation",
  "structure",
  "rank",
  "loss",
  "seeds",
] as const;

/** `bn-relu`, `no-bn` (ReLU without BN) or `no-relu` (BN without ReLU): the control's name. */
export function networkName(r: ExplosionResult): string {
  const c = r.config;
  if (!c.batchNorm) return c.activation === "relu" ? "no-bn" : "no-bn-no-relu";
  return c.activation === "relu" ? "bn-relu" : "no-relu";
}

function field(r: ExplosionResult, key: typeof KEYS[number]): string | number {
  return key === "network" ? networkName(r) : r.config[key];
}

/**
 * One row per configuration: its fields, `meanRatio`, `meanRatioSd` and the theory value.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { measureExplosion } from "@lalc/large-batch/diagnostics";
 * import { sweepTable } from "./init_report.ts";
 * await useBackend("cpu");
 * const results = [await measureExplosion(buildModel, { kind: "mlp", depth: 3, width: 8, batchSize: 8, seeds: 1 })];
 * const table = sweepTable(results);
 * assertEquals(table.length, 2); // the header and one configuration
 * assertEquals(table[1].length, table[0].length);
 * ```
 */
export function sweepTable(results: readonly ExplosionResult[]): string[][] {
  return [
    [...KEYS, "meanRatio", "meanRatioSd", "theory"],
    ...results.map((r) => [
      ...KEYS.map((k) => String(field(r, k))),
      r.meanRatio.toFixed(6),
      r.meanRatioSd.toFixed(6),
      r.theory.toFixed(6),
    ]),
  ];
}

/**
 * One row per configuration and weight layer (input side first): the layer's mean gradient
 * norm and its ratio to the next layer (empty for the classifier).
 */
export function layerTable(results: readonly ExplosionResult[]): string[][] {
  const rows: string[][] = [[...KEYS, "layer", "gradNorm", "ratioToNext", "interior"]];
  for (const r of results) {
    const base = KEYS.map((k) => String(field(r, k)));
    r.layers.forEach((norm, i) => {
      rows.push([
        ...base,
        String(i),
        norm.toExponential(6),
        i < r.ratios.length ? r.ratios[i].toFixed(6) : "",
        String(r.interior.includes(i)),
      ]);
    });
  }
  return rows;
}

/** The fields that differ between results, other than `except`: what a series label needs. */
function varying(results: readonly ExplosionResult[], except: string[]): (typeof KEYS[number])[] {
  return KEYS.filter((k) =>
    !except.includes(k) && new Set(results.map((r) => field(r, k))).size > 1
  );
}

function label(r: ExplosionResult, keys: readonly (typeof KEYS[number])[]): string {
  if (keys.length === 0) return networkName(r);
  if (keys.length === 1) return String(field(r, keys[0]));
  // Names that say what they are stand alone; numbers get a short prefix.
  const short: Record<string, string> = {
    correlation: "c",
    batchSize: "batch",
    depth: "depth",
    width: "width",
  };
  return keys.map((k) =>
    k === "network" || k === "structure" ? String(field(r, k)) : `${short[k] ?? k}=${field(r, k)}`
  )
    .join(" ");
}

/**
 * Mean interior ratio against batch size (log axis), one line per other varying setting,
 * with the theory `sqrt(pi/(pi-1))` and 1 as rules.
 */
export function ratioVsBatchSpec(results: readonly ExplosionResult[]): TopLevelSpec {
  const keys = varying(results, ["batchSize"]);
  const values = results.map((r) => ({
    batchSize: r.config.batchSize,
    meanRatio: r.meanRatio,
    low: r.meanRatio - r.meanRatioSd,
    high: r.meanRatio + r.meanRatioSd,
    series: label(r, keys),
  }));
  const theory = results[0]?.theory ?? Math.sqrt(Math.PI / (Math.PI - 1));
  const x = {
    field: "batchSize",
    type: "quantitative",
    scale: { type: "log", base: 2 },
    title: "batch size",
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Per-layer gradient-norm ratio at initialization vs batch size",
    width: 420,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: "errorbar" },
        encoding: {
          x,
          y: {
            field: "low",
            type: "quantitative",
            title: "mean interior ratio ||g_l|| / ||g_l+1||",
          },
          y2: { field: "high" },
          color: { field: "series", type: "nominal" },
        },
      },
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: {
            field: "meanRatio",
            type: "quantitative",
            scale: { zero: false },
            title: "mean interior ratio ||g_l|| / ||g_l+1||",
          },
          color: { field: "series", type: "nominal", title: null, legend: { labelLimit: 0 } },
        },
      },
      {
        data: {
          values: [{ y: theory, text: `sqrt(pi/(pi-1)) = ${theory.toFixed(3)}` }, {
            y: 1,
            text: "1 (no explosion)",
          }],
        },
        layer: [
          {
            mark: { type: "rule", strokeDash: [4, 4], color: "gray" },
            encoding: { y: { field: "y", type: "quantitative" } },
          },
          {
            mark: { type: "text", align: "right", dy: -6, color: "gray" },
            encoding: {
              y: { field: "y", type: "quantitative" },
              x: { value: 420 },
              text: { field: "text" },
            },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/**
 * Per-layer values against the layer index: `gradNorm` (log axis) or `ratio` (the ratio of
 * each layer to the next), one line per configuration.
 */
export function layerSpec(
  results: readonly ExplosionResult[],
  what: "gradNorm" | "ratio",
): TopLevelSpec {
  const keys = varying(results, []);
  const values = results.flatMap((r) =>
    (what === "gradNorm" ? r.layers : r.ratios).map((v, layer) => ({
      layer,
      v,
      series: label(r, keys),
    }))
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: what === "gradNorm"
      ? "Weight-gradient norm per layer at initialization (input side left)"
      : "Ratio of each layer's gradient norm to the next layer's, at initialization",
    width: 420,
    height: 280,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "layer", type: "quantitative", title: "weight layer (0 = input side)" },
      y: what === "gradNorm"
        ? { field: "v", type: "quantitative", scale: { type: "log" }, title: "||dL/dW||" }
        : {
          field: "v",
          type: "quantitative",
          scale: { zero: false },
          title: "||g_l|| / ||g_l+1||",
        },
      color: { field: "series", type: "nominal", title: null, legend: { labelLimit: 0 } },
    },
  } as TopLevelSpec;
}
