/**
 * The gate: a results folder against the floors of `fixtures/thresholds.json`.
 *
 * The rule (docs/protocol.md): a cell fails when the mean whole-test-set accuracy of its
 * held-out seeds falls below `floor = mean_ref - max(MIN_MARGIN, q * sd_ref *
 * sqrt(1/n_ref + 1/n))`, where `mean_ref`, `sd_ref` and `n_ref` come from measured
 * reference seeds of the same cell at its tuned rate and `q` is the Student-t quantile
 * `t(1 - alpha / cells, n_ref - 1)`. Without a change, `(mean - mean_ref) / (sd_ref *
 * sqrt(1/n_ref + 1/n))` is t-distributed with `n_ref - 1` degrees of freedom (normal seeds),
 * so each cell fails with probability `alpha / cells` and the whole grid with at most
 * `alpha` (Bonferroni). It also fails on more diverged held-out runs than allowed, and on
 * fewer held-out seeds than the floor assumes.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";
import { mean, sampleSd, studentTQuantile } from "../stats/stats.ts";
import type { MethodName } from "./types.ts";

/** The family-wise false-alarm rate the floors are set for (over all cells of a preset). */
export const GATE_ALPHA = 0.01;

/** The smallest margin below the reference mean (half a percentage point): cells whose
 * seeds agree almost exactly must not fail on rounding-sized differences. */
export const MIN_MARGIN = 0.005;

/** The floor of one (method, batch size, depth) cell. */
export interface CellThreshold {
  /** The compared method. */
  readonly method: MethodName;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of BN-ReLU blocks. */
  readonly depth: number;
  /** The mean test accuracy of the held-out seeds must be at least this. */
  readonly minAccuracy: number;
  /** Diverged held-out runs of the cell must be at most this. */
  readonly maxDiverged: number;
  /** Held-out seeds the results must have (the `n` the floor was computed for). */
  readonly minSeeds?: number;
  /** The reference: mean of the measured seeds. */
  readonly refMean?: number;
  /** Their sample standard deviation. */
  readonly refSd?: number;
  /** Their number. */
  readonly refN?: number;
  /** The measured accuracies the floor was derived from. */
  readonly measured?: readonly number[];
}

/** One preset's thresholds. */
export interface PresetThresholds {
  /** How the numbers were derived (commands, repeats, rule). */
  readonly derivation: string;
  /** The rule, in words. */
  readonly rule?: string;
  /** What the gate's false-alarm rate and power were measured to be. */
  readonly power?: unknown;
  /** Diverged held-out runs over the whole grid must be at most this. */
  readonly maxDivergedTotal: number;
  /** The floor of every cell. */
  readonly cells: readonly CellThreshold[];
}

/** The file: thresholds per preset. */
export interface ThresholdsFile {
  readonly description: string;
  readonly presets: Readonly<Record<string, PresetThresholds>>;
}

/** One failing check. */
export interface GateFailure {
  /** `method batch depth` or `grid`. */
  readonly cell: string;
  /** What failed, with the measured value and the threshold. */
  readonly message: string;
}

/** The reference accuracies of one cell (pooled over measured held-out seeds). */
export interface CellReference {
  /** The method (or variant) of the cell. */
  readonly method: string;
  readonly batchSize: number;
  readonly depth: number;
  /** One accuracy per measured seed (0 for a diverged run). */
  readonly accuracies: readonly number[];
  /** Most diverged runs seen in one group of `n` seeds. */
  readonly maxDivergedSeen: number;
}

/**
 * The floor of a cell from its reference accuracies, for results of `n` held-out seeds,
 * when the preset has `cellCount` cells (the Bonferroni share of {@link GATE_ALPHA}).
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { floorOf } from "./gate.ts";
 * const f = floorOf([0.80, 0.81, 0.82, 0.80, 0.81, 0.79, 0.80, 0.81, 0.82, 0.80], 5, 20);
 * assert(f.floor < f.refMean && f.refMean - f.floor > 0.005);
 * ```
 */
export function floorOf(
  accuracies: readonly number[],
  n: number,
  cellCount: number,
): { floor: number; refMean: number; refSd: number; margin: number; q: number } {
  if (accuracies.length < 5) {
    throw new Error(`a floor needs at least 5 measured seeds, got ${accuracies.length}`);
  }
  const refMean = mean(accuracies);
  const refSd = sampleSd(accuracies);
  const q = studentTQuantile(1 - GATE_ALPHA / cellCount, accuracies.length - 1);
  const margin = Math.max(MIN_MARGIN, q * refSd * Math.sqrt(1 / accuracies.length + 1 / n));
  return { floor: refMean - margin, refMean, refSd, margin, q };
}

/**
 * Thresholds for every cell of `references`, for results with `n` held-out seeds, with the
 * Bonferroni share of `cellCount` cells (default: as many as `references`).
 *
 * @example
 * ```ts ignore
 * const t = deriveThresholds(pooledReferences, 5, "smoke, 15 seeds per cell");
 * ```
 */
export function deriveThresholds(
  references: readonly CellReference[],
  n: number,
  derivation: string,
  maxDivergedTotal: number,
  cellCount = references.length,
): PresetThresholds {
  const cells = references.map((r): CellThreshold => {
    const f = floorOf(r.accuracies, n, cellCount);
    return {
      // Thresholds cover the presets' own methods (thresholds_file.ts refuses a variant's).
      method: r.method as MethodName,
      batchSize: r.batchSize,
      depth: r.depth,
      minAccuracy: Math.max(0, Math.floor(f.floor * 10000) / 10000),
      maxDiverged: r.maxDivergedSeen + 1,
      minSeeds: n,
      refMean: Number(f.refMean.toFixed(5)),
      refSd: Number(f.refSd.toFixed(5)),
      refN: r.accuracies.length,
      measured: r.accuracies.map((a) => Number(a.toFixed(4))),
    };
  });
  return {
    derivation,
    rule: `per cell: mean held-out test accuracy >= ref_mean - max(${MIN_MARGIN}, q * ref_sd * ` +
      `sqrt(1/ref_n + 1/${n})), q = Student-t quantile t(1 - ${GATE_ALPHA} / ${cellCount} ` +
      `cells, ref_n - 1): family-wise false-alarm rate <= ${GATE_ALPHA} when seeds are normal; ` +
      "diverged held-out runs <= most seen in a reference group + 1; held-out seeds >= " +
      `${n}; diverged held-out runs in all <= ${maxDivergedTotal}`,
    maxDivergedTotal,
    cells,
  };
}

/**
 * The failures of `cells` against `thresholds` (empty when the gate passes). A cell the
 * thresholds name but the results lack is a failure too, and so is a cell of the results
 * that no floor covers.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { checkThresholds, parseThresholds } from "./gate.ts";
 * import { readResults } from "./store.ts";
 * import { summarizeCells } from "./select.ts";
 * const path = new URL("../../fixtures/thresholds.json", import.meta.url).pathname;
 * const thresholds = parseThresholds(JSON.parse(await Deno.readTextFile(path)), path);
 * const { rows } = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * assertEquals(checkThresholds(summarizeCells(rows), thresholds.presets.smoke), []);
 * ```
 */
export function checkThresholds(
  cells: readonly CellSummary[],
  thresholds: PresetThresholds,
): GateFailure[] {
  const failures: GateFailure[] = [];
  for (const t of thresholds.cells) {
    const name = `${t.method} batch ${t.batchSize} depth ${t.depth}`;
    const c = cells.find((x) =>
      x.method === t.method && x.batchSize === t.batchSize && x.depth === t.depth
    );
    if (c?.allErrors) {
      failures.push({ cell: name, message: "every held-out run ended as error" });
      continue;
    }
    if (!c || c.n === 0) {
      failures.push({ cell: name, message: "no held-out run in the results" });
      continue;
    }
    if (t.minSeeds !== undefined && c.n < t.minSeeds) {
      failures.push({ cell: name, message: `${c.n} held-out seeds < required ${t.minSeeds}` });
    }
    if (!(c.mean >= t.minAccuracy)) {
      failures.push({
        cell: name,
        message: `mean test accuracy ${c.mean.toFixed(4)} < floor ${t.minAccuracy.toFixed(4)}` +
          (t.refMean !== undefined ? ` (reference ${t.refMean.toFixed(4)})` : ""),
      });
    }
    if (c.divergedHeldOut > t.maxDiverged) {
      failures.push({
        cell: name,
        message: `${c.divergedHeldOut} diverged held-out runs > allowed ${t.maxDiverged}`,
      });
    }
  }
  // A cell no floor covers would pass unchecked: the results are of another grid, or the
  // thresholds were derived from a folder that lacked it.
  for (const c of cells) {
    const covered = thresholds.cells.some((t) =>
      t.method === c.method && t.batchSize === c.batchSize && t.depth === c.depth
    );
    if (!covered) {
      failures.push({
        cell: `${c.method} batch ${c.batchSize} depth ${c.depth}`,
        message: "in the results but without a floor in the thresholds (derive the floors " +
          "from a folder of this grid: deno task derive-thresholds)",
      });
    }
  }
  const total = cells.reduce((s, c) => s + c.divergedHeldOut, 0);
  if (total > thresholds.maxDivergedTotal) {
    failures.push({
      cell: "grid",
      message: `${total} diverged held-out runs in all > allowed ${thresholds.maxDivergedTotal}`,
    });
  }
  return failures;
}

export { parseThresholds, ThresholdsError } from "./thresholds_file.ts";
