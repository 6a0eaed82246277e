/**
 * Tables of the ablation of `explode mechanism --ablate` (see `ablation.ts`): per run and
 * variant, and per condition and variant over seeds.
 *
 * @module
 */
import { mean, tInterval } from "../stats/stats.ts";
import { ABLATION_PARTS, type AblationResult } from "./ablation.ts";

/** A run of the mechanism test and its ablation. */
export interface MechanismAblation {
  /** Data set name. */
  readonly dataset: string;
  /** Model kind (`mlp`). */
  readonly model: string;
  /** Input correlation level `c`. */
  readonly correlation: number;
  /** Method (`momentum`, `warmup`, `lalc`). */
  readonly method: string;
  /** Seed. */
  readonly seed: number;
  /** The variants' measurements, in {@link ABLATION_PARTS} order. */
  readonly parts: readonly AblationResult[];
}

/** The measured quantities of a variant, in column order. */
const FIELDS = [
  "meanRatio",
  "predictedMeanRatio",
  "predictedRetentionMeanRatio",
  "unitCorrelationFactor",
  "varianceRetention",
  "gateOpen",
] as const;

/** Rows of `ablation.csv`: one per run and variant. */
export function ablationRows(runs: readonly MechanismAblation[]): string[][] {
  const rows = [["dataset", "model", "correlation", "method", "seed", "part", ...FIELDS]];
  for (const r of runs) {
    for (const p of r.parts) {
      rows.push([
        r.dataset,
        r.model,
        String(r.correlation),
        r.method,
        String(r.seed),
        p.part,
        ...FIELDS.map((f) => p[f].toPrecision(6)),
      ]);
    }
  }
  return rows;
}

/**
 * Rows of `ablation_summary.csv`: per data set, model, correlation, method and variant, the
 * mean over seeds of each quantity, with the 95% t-interval of the measured ratio.
 *
 * @example
 * ```ts
 * import { ablationSummaryRows } from "./ablation_report.ts";
 * import { ABLATION_PARTS } from "./ablation.ts";
 * const run = (seed: number, ratio: number) => ({
 *   dataset: "d", model: "mlp", correlation: 0, method: "m", seed,
 *   parts: ABLATION_PARTS.map((part) => ({ part, meanRatio: ratio, predictedMeanRatio: 1,
 *     predictedRetentionMeanRatio: 1, unitCorrelationFactor: 1, varianceRetention: 0.34,
 *     gateOpen: 0.5 })),
 * });
 * const rows = ablationSummaryRows([run(0, 1.0), run(1, 1.2)]);
 * if (rows.length !== 1 + ABLATION_PARTS.length || rows[1][6] !== "1.1000") throw new Error();
 * ```
 */
export function ablationSummaryRows(runs: readonly MechanismAblation[]): string[][] {
  const rows = [[
    "dataset",
    "model",
    "correlation",
    "method",
    "part",
    "seeds",
    ...FIELDS,
    "meanRatioCi95Low",
    "meanRatioCi95High",
  ]];
  const groups = new Map<string, MechanismAblation[]>();
  for (const r of runs) {
    const k = `${r.dataset}|${r.model}|${r.correlation}|${r.method}`;
    groups.set(k, [...groups.get(k) ?? [], r]);
  }
  for (const list of groups.values()) {
    for (const part of ABLATION_PARTS) {
      const values = list.map((r) => r.parts.find((p) => p.part === part)!);
      const ci = tInterval(values.map((v) => v.meanRatio));
      rows.push([
        list[0].dataset,
        list[0].model,
        String(list[0].correlation),
        list[0].method,
        part,
        String(list.length),
        ...FIELDS.map((f) => mean(values.map((v) => v[f])).toFixed(4)),
        ci.low.toFixed(4),
        ci.high.toFixed(4),
      ]);
    }
  }
  return rows;
}
