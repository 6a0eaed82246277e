/**
 * The checks of a grid file's method fields: `methods` (names and variants), `lrCentres`
 * (where a method's rate grid is centred at a batch size) and `comparisons` (the grid's own
 * rows of `claims.csv`). One line per bad value, `path: what is wrong; what is allowed`, as
 * `grid_spec.ts` reports the other fields.
 *
 * @module
 */
import { METHODS } from "../methods/names.ts";
import type { MethodName } from "../methods/names.ts";
import { VARIANT_NAME, VARIANT_OVERRIDES, VARIANT_RANGES } from "../methods/variants.ts";
import type { VariantOverrides } from "../methods/variants.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isName = (v: unknown): v is string => typeof v === "string" && VARIANT_NAME.test(v);
const OVERRIDE_KEYS = Object.keys(VARIANT_OVERRIDES) as (keyof VariantOverrides)[];
const VARIANT_KEYS = ["name", "base", ...OVERRIDE_KEYS];
const COMPARISON_KEYS = ["name", "a", "b", "batch", "depth", "equivalence"];
/** The longest variant name: it is a cell of every table and a word of every plot legend. */
const MAX_NAME = 64;

/** `[low, high]` with its ends' inclusion, as text: `a number > 0 and <= 1`. */
function rangeText(r: { low: number; high: number; lowIn: boolean; highIn: boolean }): string {
  return `a number ${r.lowIn ? ">=" : ">"} ${r.low} and ${r.highIn ? "<=" : "<"} ${r.high}`;
}

function inRange(
  v: unknown,
  r: { low: number; high: number; lowIn: boolean; highIn: boolean },
): boolean {
  if (typeof v !== "number" || !Number.isFinite(v)) return false;
  return (r.lowIn ? v >= r.low : v > r.low) && (r.highIn ? v <= r.high : v < r.high);
}

/** The problems of one variant object at `path`. */
function variantProblems(path: string, v: Obj): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(v)) {
    if (!VARIANT_KEYS.includes(key)) {
      problems.push(`${path}.${key}: unknown field; allowed: ${VARIANT_KEYS.join(", ")}`);
    }
  }
  if (v.name === undefined) problems.push(`${path}.name: missing; expected a variant's name`);
  else if (
    !isName(v.name) || v.name.length > MAX_NAME ||
    (METHODS as readonly string[]).includes(v.name)
  ) {
    problems.push(
      `${path}.name: got ${show(v.name)}; expected at most ${MAX_NAME} characters of a-z, ` +
        `0-9, '.', '-', starting with a letter or digit, and not a method's own name`,
    );
  }
  const base = v.base;
  const known = (METHODS as readonly unknown[]).includes(base);
  if (!known) {
    problems.push(
      base === undefined
        ? `${path}.base: missing; expected one of ${METHODS.join(", ")}`
        : `${path}.base: unknown base ${show(base)}; allowed: ${METHODS.join(", ")}`,
    );
  }
  for (const key of OVERRIDE_KEYS) {
    if (v[key] === undefined) continue;
    const takers = VARIANT_OVERRIDES[key];
    if (known && !takers.includes(base as MethodName)) {
      problems.push(
        `${path}.${key}: base ${show(base)} does not take ${key}; ` +
          `taken by: ${takers.join(", ")}`,
      );
    } else if (key === "rateInBuffer") {
      if (typeof v[key] !== "boolean") {
        problems.push(`${path}.${key}: got ${show(v[key])}; expected true or false`);
      }
    } else if (!inRange(v[key], VARIANT_RANGES[key])) {
      const range = rangeText(VARIANT_RANGES[key]);
      problems.push(`${path}.${key}: got ${show(v[key])}; expected ${range}`);
    }
  }
  return problems;
}

/**
 * The problems of a grid's `methods`: each entry a method's name or a variant
 * `{ "name", "base", ...overrides }` whose overrides its base takes, in range, and no name
 * twice.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { methodsProblems } from "./grid_methods.ts";
 * assertEquals(methodsProblems(["lalc", { name: "lars-k0.02", base: "lars", trustCoefficient: 0.02 }], 1000), []);
 * assertEquals(methodsProblems([{ name: "x", base: "lamb", minRatio: 0 }], 1000), [
 *   'grid.methods[0].minRatio: base "lamb" does not take minRatio; taken by: lalc',
 * ]);
 * ```
 */
export function methodsProblems(methods: unknown, maxLength: number): string[] {
  const allowed = `methods (${METHODS.join(", ")}) or a variant {"name", "base", ...overrides}`;
  if (!Array.isArray(methods) || methods.length === 0 || methods.length > maxLength) {
    return [
      `grid.methods: ${methods === undefined ? "missing" : `got ${show(methods)}`}; expected ` +
      `a non-empty array (at most ${maxLength}) of ${allowed}`,
    ];
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  methods.forEach((m, i) => {
    const path = `grid.methods[${i}]`;
    if (isObj(m)) problems.push(...variantProblems(path, m));
    else if (!(METHODS as readonly unknown[]).includes(m)) {
      problems.push(`${path}: got ${show(m)}; expected ${allowed}`);
    }
    const name = isObj(m) ? m.name : m;
    if (typeof name !== "string") return;
    const before = seen.get(name);
    if (before !== undefined) {
      problems.push(`${path}: ${show(name)} is already the name of grid.methods[${before}]`);
    } else seen.set(name, i);
  });
  return problems;
}

/** The names `methods` gives its cells, once each, leaving out those refused above. */
function namesOf(methods: unknown): string[] {
  if (!Array.isArray(methods)) return [];
  const isMethod = (n: unknown) => (METHODS as readonly unknown[]).includes(n);
  const names = methods.map((m) =>
    isObj(m) ? (isName(m.name) && !isMethod(m.name) ? m.name : "") : isMethod(m) ? m : ""
  );
  return [...new Set(names.filter((n): n is string => n !== ""))];
}

/**
 * The problems of a grid's `lrCentres`: `{ "<method or variant>": { "<batch size>": centre } }`
 * over the grid's own methods and batch sizes, each centre a base rate per 256 samples in
 * the range a variant's `baseLr` takes.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { lrCentresProblems } from "./grid_methods.ts";
 * assertEquals(lrCentresProblems({ lalc: { "8192": 0.1 } }, ["lalc"], [8192]), []);
 * assertEquals(lrCentresProblems({ lalc: { "512": 0.1 } }, ["lalc"], [8192]), [
 *   "grid.lrCentres.lalc.512: not a batch size of the grid (batchSizes: 8192)",
 * ]);
 * ```
 */
export function lrCentresProblems(
  lrCentres: unknown,
  methods: unknown,
  batchSizes: unknown,
): string[] {
  if (lrCentres === undefined) return [];
  const shape = 'an object {"<method>": {"<batch size>": <centre per 256 samples>}}';
  if (!isObj(lrCentres)) return [`grid.lrCentres: got ${show(lrCentres)}; expected ${shape}`];
  const names = namesOf(methods);
  const batches = Array.isArray(batchSizes) ? batchSizes.map(String) : [];
  const problems: string[] = [];
  for (const [method, perBatch] of Object.entries(lrCentres)) {
    const path = `grid.lrCentres.${method}`;
    if (!names.includes(method)) {
      problems.push(`${path}: not a method of the grid (methods: ${names.join(", ")})`);
    }
    if (!isObj(perBatch)) {
      problems.push(
        `${path}: got ${show(perBatch)}; expected {"<batch size>": <centre per 256 samples>}`,
      );
      continue;
    }
    for (const [batch, centre] of Object.entries(perBatch)) {
      if (!batches.includes(batch)) {
        problems.push(
          `${path}.${batch}: not a batch size of the grid (batchSizes: ${batches.join(", ")})`,
        );
      } else if (!inRange(centre, VARIANT_RANGES.baseLr)) {
        problems.push(
          `${path}.${batch}: got ${show(centre)}; expected ${rangeText(VARIANT_RANGES.baseLr)}`,
        );
      }
    }
  }
  return problems;
}

/**
 * The problems of a grid's `comparisons`: a non-empty list of
 * `{ "name", "a", "b", "batch"?, "depth"?, "equivalence"? }` with `a` and `b` two different
 * methods of the grid, `batch` `all`, `largest`, `smallest` or one of its batch sizes,
 * `depth` `all` or one of its depths, `equivalence` true or false, and no row of
 * `claims.csv` (name, baseline, batch size, depth) twice. Whether the grid has the margin
 * an equivalence test needs is {@link equivalenceProblems}' check.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { comparisonsProblems } from "./grid_methods.ts";
 * assertEquals(comparisonsProblems([{ name: "floor", a: "lalc", b: "lalc" }], ["lalc"], [64], [2]), [
 *   'grid.comparisons[0].b: "lalc" is also its a; compare two different methods',
 * ]);
 * ```
 */
export function comparisonsProblems(
  comparisons: unknown,
  methods: unknown,
  batchSizes: unknown,
  depths: unknown,
): string[] {
  if (comparisons === undefined) return [];
  if (!Array.isArray(comparisons) || comparisons.length === 0) {
    return [
      `grid.comparisons: got ${show(comparisons)}; expected a non-empty array of ` +
      '{"name", "a", "b", "batch", "depth", "equivalence"} (leave it out for the paper\'s claims)',
    ];
  }
  const names = namesOf(methods);
  const batches = Array.isArray(batchSizes) ? batchSizes : [];
  const depthList = Array.isArray(depths) ? depths : [];
  const problems: string[] = [];
  const rows = new Map<string, number>();
  comparisons.forEach((c, i) => {
    const path = `grid.comparisons[${i}]`;
    if (!isObj(c)) {
      problems.push(
        `${path}: got ${show(c)}; expected {"name", "a", "b", "batch", "depth", "equivalence"}`,
      );
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(c)) {
      if (!COMPARISON_KEYS.includes(key)) {
        problems.push(`${path}.${key}: unknown field; allowed: ${COMPARISON_KEYS.join(", ")}`);
      }
    }
    if (typeof c.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(c.name)) {
      problems.push(
        `${path}.name: got ${show(c.name)}; expected a name of letters, digits, '_', '.', '-'`,
      );
    }
    for (const side of ["a", "b"] as const) {
      if (!names.includes(c[side] as string)) {
        problems.push(
          `${path}.${side}: got ${show(c[side])}; expected a method of the grid ` +
            `(${names.join(", ")})`,
        );
      }
    }
    if (c.a === c.b && c.a !== undefined) {
      problems.push(`${path}.b: ${show(c.b)} is also its a; compare two different methods`);
    }
    const batch = c.batch ?? "all";
    if (!["all", "largest", "smallest"].includes(batch as string) && !batches.includes(batch)) {
      problems.push(
        `${path}.batch: got ${show(batch)}; expected "all", "largest", "smallest" or a ` +
          `batch size of the grid (${batches.join(", ")})`,
      );
    }
    if (c.equivalence !== undefined && typeof c.equivalence !== "boolean") {
      problems.push(
        `${path}.equivalence: got ${show(c.equivalence)}; expected true (also test ` +
          "equivalence within the grid's equivalenceMargin) or false",
      );
    }
    const depth = c.depth ?? "all";
    if (depth !== "all" && !depthList.includes(depth)) {
      problems.push(
        `${path}.depth: got ${show(depth)}; expected "all" or a depth of the grid ` +
          `(${depthList.join(", ")})`,
      );
    }
    if (problems.length > before) return;
    // The rows it adds, by what names a row of claims.csv (the protocol check's key).
    const sorted = [...batches].sort((x, y) => x - y);
    const rowBatches = batch === "all"
      ? sorted
      : batch === "largest"
      ? sorted.slice(-1)
      : batch === "smallest"
      ? sorted.slice(0, 1)
      : [batch];
    const rowDepths = depth === "all" ? depthList : [depth];
    for (const d of rowDepths) {
      for (const b of rowBatches) {
        const key = `${c.name} ${c.b} batch ${b} depth ${d}`;
        const other = rows.get(key);
        if (other !== undefined && other !== i) {
          problems.push(
            `${path}: repeats the row "${c.name}" vs ${c.b} at batch ${b} depth ${d} of ` +
              `grid.comparisons[${other}]`,
          );
          return;
        }
        rows.set(key, i);
      }
    }
  });
  return problems;
}

/**
 * The problems of a grid's equivalence tests across its fields, one line each: comparisons
 * that ask for `equivalence` in a grid without an `equivalenceMargin` (the test has no
 * margin to test against), and a margin the grid file itself declares (`fileMargin`) beside
 * comparisons none of which asks for it (it would test nothing). A margin inherited from a
 * preset beside the file's own comparisons is left alone: the file chose its comparisons.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { equivalenceProblems } from "./grid_methods.ts";
 * const factorial = [{ name: "warmup-on-lalc", a: "lalc-warmup", b: "lalc", equivalence: true }];
 * assertEquals(equivalenceProblems(factorial, 0.005, true), []);
 * assertEquals(equivalenceProblems(factorial, undefined, false), [
 *   'grid.equivalenceMargin: missing, but grid.comparisons "warmup-on-lalc" asks for an ' +
 *   "equivalence test; expected a fraction of accuracy (0.005 is 0.5 points), or drop " +
 *   "their equivalence",
 * ]);
 * ```
 */
export function equivalenceProblems(
  comparisons: unknown,
  margin: unknown,
  fileMargin: boolean,
): string[] {
  if (!Array.isArray(comparisons) || comparisons.length === 0) return [];
  const asking = comparisons.filter((c) => isObj(c) && c.equivalence === true);
  if (asking.length > 0 && margin === undefined) {
    return [
      `grid.equivalenceMargin: missing, but grid.comparisons ${
        asking.map((c) => show(c.name)).join(", ")
      } ${asking.length === 1 ? "asks" : "ask"} for an equivalence test; expected a fraction ` +
      "of accuracy (0.005 is 0.5 points), " +
      "or drop their equivalence",
    ];
  }
  if (asking.length === 0 && margin !== undefined && fileMargin) {
    return [
      `grid.equivalenceMargin: got ${show(margin)}, but none of grid.comparisons asks for an ` +
      'equivalence test; add "equivalence": true to the comparisons to test, or leave the ' +
      "margin out",
    ];
  }
  return [];
}
