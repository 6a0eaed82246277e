/**
 * The gate: a results folder against the floors of `fixtures/thresholds.json`, and the
 * paper's claims as pass/fail lines that report results without failing CI.
 *
 * @module
 */
import type { CellSummary } from "./select.ts";
import type { MethodName } from "./types.ts";

/** The floor of one (method, batch size, depth) cell. */
export interface CellThreshold {
  /** The compared method. */
  readonly method: MethodName;
  /** Batch size. */
  readonly batchSize: number;
  /** Number of BN-ReLU blocks. */
  readonly depth: number;
  /** Median test accuracy at the tuned rate must be at least this. */
  readonly minAccuracy: number;
  /** Diverged runs of the cell (over every tried rate and seed) must be at most this. */
  readonly maxDiverged: number;
  /** The measured medians the floor was derived from. */
  readonly measured?: readonly number[];
}

/** One preset's thresholds. */
export interface PresetThresholds {
  /** How the numbers were derived (commands, repeats, margin rule). */
  readonly derivation: string;
  /** Diverged runs over the whole grid must be at most this. */
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

/**
 * The failures of `cells` against `thresholds` (empty when the gate passes). A cell the
 * thresholds name but the results lack is a failure too.
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
    if (!c) {
      failures.push({ cell: name, message: "no finished run in the results" });
      continue;
    }
    if (c.allErrors) {
      failures.push({ cell: name, message: "every run at the tuned rate ended as error" });
    } else if (!(c.median >= t.minAccuracy)) {
      failures.push({
        cell: name,
        message: `median test accuracy ${c.median.toFixed(4)} < floor ${t.minAccuracy.toFixed(4)}`,
      });
    }
    if (c.diverged > t.maxDiverged) {
      failures.push({
        cell: name,
        message: `${c.diverged} diverged runs > allowed ${t.maxDiverged}`,
      });
    }
  }
  const total = cells.reduce((s, c) => s + c.diverged, 0);
  if (total > thresholds.maxDivergedTotal) {
    failures.push({
      cell: "grid",
      message: `${total} diverged runs in all > allowed ${thresholds.maxDivergedTotal}`,
    });
  }
  return failures;
}

/** One of the paper's claims, checked on one depth. */
export interface ClaimResult {
  /** The claim, in words. */
  readonly claim: string;
  /** The depth it was checked on. */
  readonly depth: number;
  /** Whether the results support it. */
  readonly pass: boolean;
  /** The numbers behind the verdict. */
  readonly detail: string;
}

/**
 * How close LALC must be to count as matching WarmUp: one percentage point, or the seed
 * half-range of either cell when larger.
 */
export const MATCH_TOLERANCE = 0.01;

/**
 * The paper's claims on these results, per depth:
 * - large batch: at the largest batch size, LALC's median beats LARS, LAMB and linear
 *   scaling;
 * - small batch: at the smallest batch size, LALC (no warmup) matches momentum SGD with
 *   warmup (not worse by more than {@link MATCH_TOLERANCE} or the seed half-range).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { checkClaims } from "./gate.ts";
 * import { readResults } from "./store.ts";
 * import { summarizeCells } from "./select.ts";
 * const { rows } = await readResults(new URL("../../results/smoke", import.meta.url).pathname);
 * const claims = checkClaims(summarizeCells(rows));
 * assertEquals(claims.length > 0 && claims.every((c) => typeof c.pass === "boolean"), true);
 * ```
 */
export function checkClaims(cells: readonly CellSummary[]): ClaimResult[] {
  const out: ClaimResult[] = [];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  for (const depth of depths) {
    const here = cells.filter((c) => c.depth === depth);
    const batches = [...new Set(here.map((c) => c.batchSize))].sort((a, b) => a - b);
    const get = (m: MethodName, b: number) => here.find((c) => c.method === m && c.batchSize === b);
    const largest = batches.at(-1)!;
    const lalcLarge = get("lalc", largest);
    const rivals = (["lars", "lamb", "linear-scaling"] as const)
      .map((m) => get(m, largest))
      .filter((c): c is CellSummary => c !== undefined);
    if (lalcLarge && rivals.length > 0) {
      const best = rivals.reduce((a, b) => (b.median > a.median ? b : a));
      out.push({
        claim: `large batch (${largest}): LALC beats LARS, LAMB and linear scaling`,
        depth,
        pass: lalcLarge.median > best.median,
        detail: `LALC ${lalcLarge.median.toFixed(4)} vs best rival ${best.method} ${
          best.median.toFixed(4)
        }`,
      });
    }
    const smallest = batches[0];
    const lalcSmall = get("lalc", smallest);
    const warm = get("warmup", smallest);
    if (lalcSmall && warm && batches.length > 1) {
      const tol = Math.max(MATCH_TOLERANCE, lalcSmall.spread / 2, warm.spread / 2);
      out.push({
        claim: `small batch (${smallest}): LALC without warmup matches SGD with warmup`,
        depth,
        pass: lalcSmall.median >= warm.median - tol,
        detail: `LALC ${lalcSmall.median.toFixed(4)} vs warmup ${warm.median.toFixed(4)} ` +
          `(tolerance ${tol.toFixed(4)})`,
      });
    }
  }
  return out;
}

/**
 * Checks that `value` (parsed JSON) is a thresholds file; the error names the bad field.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { throws } from "node:assert/strict";
 * import { parseThresholds } from "./gate.ts";
 * const path = new URL("../../fixtures/thresholds.json", import.meta.url).pathname;
 * const t = parseThresholds(JSON.parse(await Deno.readTextFile(path)), path);
 * assertEquals(t.presets.smoke.cells.length > 0, true);
 * throws(() => parseThresholds({ presets: 3 }, "bad.json"), /bad\.json/);
 * ```
 */
export function parseThresholds(value: unknown, source = "thresholds"): ThresholdsFile {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  const v = value as ThresholdsFile;
  if (typeof v !== "object" || v === null || typeof v.presets !== "object" || v.presets === null) {
    fail('must be an object with a "presets" object');
  }
  for (const [name, p] of Object.entries(v.presets)) {
    if (typeof p.derivation !== "string") fail(`presets.${name}.derivation must be text`);
    if (!Number.isInteger(p.maxDivergedTotal) || p.maxDivergedTotal < 0) {
      fail(`presets.${name}.maxDivergedTotal must be an integer >= 0, got ${p.maxDivergedTotal}`);
    }
    if (!Array.isArray(p.cells)) fail(`presets.${name}.cells must be an array`);
    p.cells.forEach((c, i) => {
      if (!(c.minAccuracy >= 0 && c.minAccuracy <= 1)) {
        fail(`presets.${name}.cells[${i}].minAccuracy must be in [0, 1], got ${c.minAccuracy}`);
      }
      if (!Number.isInteger(c.maxDiverged) || c.maxDiverged < 0) {
        fail(`presets.${name}.cells[${i}].maxDiverged must be an integer >= 0`);
      }
    });
  }
  return v;
}
