/**
 * Reading `fixtures/thresholds.json` without trusting it: every field of every preset and
 * cell is checked for its type and range, so a floor that is a string, `null` or negative
 * stops the gate with the field's path instead of passing or crashing it.
 *
 * @module
 */
import type { CellThreshold, ThresholdsFile } from "./gate.ts";
import { METHODS } from "./types.ts";

/** The thresholds file `gate`, `derive-thresholds` and `gate-power` use by default. */
export const DEFAULT_THRESHOLDS = "fixtures/thresholds.json";

/** A thresholds file that is not what `derive-thresholds` writes; exit 1 (a data error). */
export class ThresholdsError extends Error {
  /** A command meeting it exits 1, as one line (src/cli/guard.ts). */
  readonly exitCode = 1;
  /** @param message `<file>: <field> is <value>; expected <what>`. */
  constructor(message: string) {
    super(message);
    this.name = "ThresholdsError";
  }
}

/** `value` as the message shows it: a string quoted and called one, so `"0.99"` reads apart
 * from `0.99`. */
function shown(value: unknown): string {
  if (typeof value === "string") return `${JSON.stringify(value)} (text)`;
  if (value === undefined) return "missing";
  return JSON.stringify(value) ?? String(value);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min;
const isFraction = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1;

/**
 * Checks that `value` (parsed JSON) is a thresholds file: a `presets` object whose every
 * preset has a `derivation` text, a `maxDivergedTotal` integer >= 0 and at least one cell,
 * each cell a method, a batch size >= 1, a depth >= 0, a `minAccuracy` in [0, 1], a
 * `maxDiverged` integer >= 0 and, when present, `minSeeds` and `refN` integers >= 1,
 * `refMean` in [0, 1], `refSd` >= 0 and `measured` accuracies in [0, 1]; no cell twice.
 *
 * @param source the file, named first in the error.
 * @throws {ThresholdsError} naming the first bad field, its value and what is allowed.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * import { parseThresholds } from "./thresholds_file.ts";
 * const path = new URL("../../fixtures/thresholds.json", import.meta.url).pathname;
 * const t = parseThresholds(JSON.parse(await Deno.readTextFile(path)), path);
 * assertEquals(t.presets.smoke.cells.length > 0, true);
 * throws(() => parseThresholds({ presets: 3 }, "bad.json"), /bad\.json: presets is 3/);
 * const cell = { method: "lalc", batchSize: 32, depth: 2, minAccuracy: "0.99", maxDiverged: 0 };
 * const file = { presets: { smoke: { derivation: "", maxDivergedTotal: 0, cells: [cell] } } };
 * throws(() => parseThresholds(file, "t.json"), /t\.json: presets\.smoke\.cells\[0\]\.minAccuracy is "0\.99" \(text\); expected a number in \[0, 1\]/);
 * ```
 */
export function parseThresholds(value: unknown, source = "thresholds"): ThresholdsFile {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new ThresholdsError(`${source}: ${field} is ${shown(got)}; expected ${expected}`);
  };
  if (!isObject(value)) return fail("the file", value, 'an object with a "presets" object');
  if (value.description !== undefined && typeof value.description !== "string") {
    fail("description", value.description, "text");
  }
  const presets = value.presets;
  if (!isObject(presets)) return fail("presets", presets, "an object of presets by name");
  for (const [name, p] of Object.entries(presets)) {
    const at = `presets.${name}`;
    if (!isObject(p)) return fail(at, p, "an object");
    if (typeof p.derivation !== "string") fail(`${at}.derivation`, p.derivation, "text");
    if (p.rule !== undefined && typeof p.rule !== "string") fail(`${at}.rule`, p.rule, "text");
    if (!isInt(p.maxDivergedTotal, 0)) {
      fail(`${at}.maxDivergedTotal`, p.maxDivergedTotal, "an integer >= 0");
    }
    const cells = p.cells;
    if (!Array.isArray(cells) || cells.length === 0) {
      // An empty list would pass every folder: a gate that checks nothing.
      return fail(`${at}.cells`, cells, "a non-empty array of cell floors");
    }
    const seen = new Set<string>();
    cells.forEach((c: unknown, i) => checkCell(c, `${at}.cells[${i}]`, seen, fail));
  }
  return value as unknown as ThresholdsFile;
}

/** Checks one cell of a preset (see {@link parseThresholds}). */
function checkCell(
  c: unknown,
  at: string,
  seen: Set<string>,
  fail: (field: string, got: unknown, expected: string) => never,
): void {
  if (!isObject(c)) return fail(at, c, "an object");
  const cell = c as Partial<Record<keyof CellThreshold, unknown>>;
  if (!(METHODS as readonly unknown[]).includes(cell.method)) {
    fail(`${at}.method`, cell.method, `one of ${METHODS.join(", ")}`);
  }
  if (!isInt(cell.batchSize, 1)) fail(`${at}.batchSize`, cell.batchSize, "an integer >= 1");
  if (!isInt(cell.depth, 0)) fail(`${at}.depth`, cell.depth, "an integer >= 0");
  if (!isFraction(cell.minAccuracy)) {
    fail(`${at}.minAccuracy`, cell.minAccuracy, "a number in [0, 1]");
  }
  if (!isInt(cell.maxDiverged, 0)) fail(`${at}.maxDiverged`, cell.maxDiverged, "an integer >= 0");
  const optional: [keyof CellThreshold, (v: unknown) => boolean, string][] = [
    ["minSeeds", (v) => isInt(v, 1), "an integer >= 1 or absent"],
    ["refN", (v) => isInt(v, 1), "an integer >= 1 or absent"],
    ["refMean", isFraction, "a number in [0, 1] or absent"],
    ["refSd", (v) => typeof v === "number" && Number.isFinite(v) && v >= 0, "a number >= 0"],
    [
      "measured",
      (v) => Array.isArray(v) && v.every(isFraction),
      "an array of accuracies in [0, 1] or absent",
    ],
  ];
  for (const [field, ok, expected] of optional) {
    if (field in cell && !ok(cell[field])) fail(`${at}.${field}`, cell[field], expected);
  }
  const key = `${cell.method} batch ${cell.batchSize} depth ${cell.depth}`;
  if (seen.has(key)) fail(at, key, "each cell once");
  seen.add(key);
}

/**
 * Reads and checks the thresholds file at `path` ({@link parseThresholds}).
 *
 * @throws {ThresholdsError} when it cannot be read, is not JSON or is not a thresholds file.
 * @example
 * ```ts
 * import { readThresholdsFile } from "./thresholds_file.ts";
 * const t = await readThresholdsFile(new URL("../../fixtures/thresholds.json", import.meta.url).pathname);
 * if (t.presets.smoke === undefined) throw new Error("no smoke floors");
 * ```
 */
export async function readThresholdsFile(path: string): Promise<ThresholdsFile> {
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new ThresholdsError(`--thresholds ${path}: ${(e as Error).message}`);
  }
  return parseThresholds(value, path);
}
