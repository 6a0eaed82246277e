/**
 * Method variants: a base method of {@link METHODS} with some of its recipe's settings
 * changed (LALC without its floor, LARS at another trust coefficient, SGD with a shorter
 * warmup), named so a grid runs them beside the methods and its tables list them as methods.
 * A grid's `methods` may hold variants besides method names; {@link recipeOf} resolves either
 * to the recipe its runs use.
 *
 * @module
 */
import { METHODS } from "./names.ts";
import type { MethodName } from "./names.ts";
import { RECIPES } from "./recipes.ts";
import type { Recipe } from "./recipes.ts";

/** The settings a variant may change, each with the base methods that take it. */
export interface VariantOverrides {
  /** `kappa` of LALC's local rate or LARS's trust ratio (LALC default 0.02, LARS 0.001). */
  readonly trustCoefficient?: number;
  /** LALC's floor `rho` (default 0.01): 0 removes it, as NVIDIA apex's LARC clip mode. */
  readonly minRatio?: number;
  /** Linear warmup over this fraction of the run's steps (0: none), then the cosine decay. */
  readonly warmupFraction?: number;
  /** Centre of the rate grid per 256 samples, before scaling, instead of the recipe's. */
  readonly baseLr?: number;
  /**
   * Momentum SGD's rate inside the momentum buffer, `v = mu*v + eta_t*g; w -= v` (the
   * optimizer's `rateInBuffer`), instead of tf.js's `v = mu*v + g; w -= eta_t*v`. `false`
   * is the recipe's own and is left out of the run id.
   */
  readonly rateInBuffer?: boolean;
}

/** The overrides that are numbers (each has a range in {@link VARIANT_RANGES}). */
export type NumericOverride = Exclude<keyof VariantOverrides, "rateInBuffer">;

/** A method variant of a grid: `base`'s recipe with `overrides` applied, called `name`. */
export interface MethodVariant extends VariantOverrides {
  /** The variant's name, written in the `method` column: `[a-z0-9][a-z0-9.-]*`. */
  readonly name: string;
  /** The method whose recipe it starts from. */
  readonly base: MethodName;
}

/** An entry of a grid's `methods`: a method's name or a variant. */
export type MethodEntry = MethodName | MethodVariant;

/** The overridable settings, each with the base methods that take it. */
export const VARIANT_OVERRIDES: Readonly<Record<keyof VariantOverrides, readonly MethodName[]>> = {
  trustCoefficient: ["lalc", "lars"],
  minRatio: ["lalc"],
  warmupFraction: METHODS,
  baseLr: METHODS,
  // The bases whose optimizer is momentum SGD.
  rateInBuffer: ["linear-scaling", "warmup"],
};

/**
 * The allowed range of each override, as `[low, high]` with whether each end is included;
 * a check outside it is refused by the grid file's validation.
 */
export const VARIANT_RANGES: Readonly<
  Record<NumericOverride, { low: number; high: number; lowIn: boolean; highIn: boolean }>
> = {
  // The ablation's values are 0.005 to 0.05; LARS's own default is 0.001.
  trustCoefficient: { low: 0, high: 1, lowIn: false, highIn: true },
  // LALC's ceiling is 1x the global rate: a floor above it would be no clip at all.
  minRatio: { low: 0, high: 1, lowIn: true, highIn: true },
  // At least one step is left to decay over (recipes.ts `methodSchedule`).
  warmupFraction: { low: 0, high: 1, lowIn: true, highIn: false },
  baseLr: { low: 0, high: 1000, lowIn: false, highIn: true },
};

/** The pattern of a variant's name (lower case, so a name reads the same in every table). */
export const VARIANT_NAME = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * The name an entry of a grid's `methods` goes by in the `method` column.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { entryName } from "@lalc/large-batch/suite";
 * assertEquals(entryName("lars"), "lars");
 * assertEquals(entryName({ name: "lalc-nofloor", base: "lalc", minRatio: 0 }), "lalc-nofloor");
 * ```
 */
export function entryName(entry: MethodEntry): string {
  return typeof entry === "string" ? entry : entry.name;
}

/**
 * The overrides a variant sets, in the order of {@link VARIANT_OVERRIDES} (none for a name).
 * `rateInBuffer: false`, the recipes' own, counts as not set: it changes nothing a run
 * computes, so it is no part of the run id.
 */
export function overridesOf(entry: MethodEntry): VariantOverrides {
  if (typeof entry === "string") return {};
  const out: Record<string, number | boolean> = {};
  for (const key of Object.keys(VARIANT_OVERRIDES) as (keyof VariantOverrides)[]) {
    if (entry[key] !== undefined && entry[key] !== false) out[key] = entry[key];
  }
  return out;
}

/** The recipe of `entry`: a method's own, or its base's with the variant's overrides. */
export function entryRecipe(entry: MethodEntry): Recipe {
  if (typeof entry === "string") return RECIPES[entry];
  const base = RECIPES[entry.base];
  const overrides = overridesOf(entry);
  const changed = Object.entries(overrides).map(([k, v]) => `${k} ${v}`).join(", ");
  const summary = `${entry.base} variant: ${base.summary}` + (changed ? `; but ${changed}` : "");
  return { ...base, ...overrides, summary };
}

/**
 * The recipe of the method or variant called `name` in `grid` (a grid's `methods` lists
 * method names and variants). A method of {@link METHODS} resolves to its recipe even where
 * the grid does not list it.
 *
 * @throws {Error} when `name` is neither a method nor a variant of the grid.
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { recipeOf } from "@lalc/large-batch/suite";
 * const grid = { methods: ["lars", { name: "lars-k0.02", base: "lars", trustCoefficient: 0.02 }] } as const;
 * assertEquals(recipeOf(grid, "lars").trustCoefficient, undefined); // LARS's default, 0.001
 * assertEquals(recipeOf(grid, "lars-k0.02").trustCoefficient, 0.02);
 * assertEquals(recipeOf(grid, "lars-k0.02").optimizer, "lars");
 * ```
 */
export function recipeOf(
  grid: { readonly methods: readonly MethodEntry[] },
  name: string,
): Recipe {
  const entry = grid.methods.find((m) => entryName(m) === name) ??
    (METHODS as readonly string[]).find((m) => m === name) as MethodName | undefined;
  if (entry === undefined) {
    throw new Error(
      `unknown method "${name}"; the grid has ${grid.methods.map(entryName).join(", ")}`,
    );
  }
  return entryRecipe(entry);
}
