/**
 * Which tensors get weight decay and the layer-wise rate: the optimizers' `weightDecayMask`
 * and `trustRatioMask`, with optax's polarity (true = apply). The usual choice (You et al.
 * 2017 for LARS, 2019 for LAMB; timm's `param_groups_weight_decay`) leaves out every tensor of
 * rank <= 1, biases and BN gamma/beta: {@link DEFAULT_MASK}, `rankAbove(1)`.
 *
 * Every mask made here carries a `config` that `getConfig` saves and `fromConfig` rebuilds;
 * a plain function works for training but cannot be saved.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { VariablePredicate } from "./transform.ts";

/** The savable description of a {@link DescribedMask}, as `getConfig` writes it. */
export type MaskConfig =
  | { kind: "rankAtMost"; maxRank: number }
  | { kind: "rankAbove"; minRank: number }
  | { kind: "allTensors" }
  | { kind: "nameMatches"; pattern: string; flags: string }
  | { kind: "not"; mask: MaskConfig }
  | { kind: "allOf"; masks: MaskConfig[] }
  | { kind: "anyOf"; masks: MaskConfig[] };

/** A mask that can be saved: a predicate with the {@link MaskConfig} that rebuilds it. */
export interface DescribedMask extends VariablePredicate {
  /** What made the mask; {@link maskFromConfig} rebuilds it. */
  readonly config: MaskConfig;
}

function described(fn: VariablePredicate, config: MaskConfig): DescribedMask {
  return Object.assign((v: tf.Variable) => fn(v), { config });
}

function checkRank(owner: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${owner}: ${name} must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * True for tensors of rank <= `maxRank` (with `maxRank` 1: biases and BN gamma/beta).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { rankAtMost } from "./mask.ts";
 * await useBackend("cpu");
 * const [bias, kernel] = [tf.variable(tf.zeros([4])), tf.variable(tf.zeros([4, 4]))];
 * assertEquals([bias, kernel].map(rankAtMost(1)), [true, false]);
 * ```
 */
export function rankAtMost(maxRank: number): DescribedMask {
  checkRank("rankAtMost", "maxRank", maxRank);
  return described((v) => v.rank <= maxRank, { kind: "rankAtMost", maxRank });
}

/**
 * True for tensors of rank > `minRank`; `rankAbove(1)` (kernels only) is {@link DEFAULT_MASK}.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { rankAbove } from "./mask.ts";
 * import { lars } from "./lars.ts";
 * const opt = lars({ learningRate: 1, weightDecay: 1e-4, weightDecayMask: rankAbove(0) });
 * await useBackend("cpu");
 * const [bias, kernel] = [tf.variable(tf.zeros([4])), tf.variable(tf.zeros([4, 4]))];
 * assertEquals([bias, kernel].map(opt.options.weightDecayMask), [true, true]);
 * assertEquals(opt.getConfig().weightDecayMask, { kind: "rankAbove", minRank: 0 });
 * ```
 */
export function rankAbove(minRank: number): DescribedMask {
  checkRank("rankAbove", "minRank", minRank);
  return described((v) => v.rank > minRank, { kind: "rankAbove", minRank });
}

/**
 * True for every tensor: optax's default mask (`True`), e.g. LAMB's trust ratio on every
 * tensor as `optax.lamb` does.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { allTensors, rankAbove } from "./mask.ts";
 * import { lamb } from "./lamb.ts";
 * // optax.lamb with a decay mask on kernels: the ratio on every tensor, decay on kernels only
 * const opt = lamb({
 *   learningRate: 1e-3,
 *   weightDecay: 0.01,
 *   weightDecayMask: rankAbove(1),
 *   trustRatioMask: allTensors(),
 * });
 * assertEquals(opt.getConfig().trustRatioMask, { kind: "allTensors" });
 * ```
 */
export function allTensors(): DescribedMask {
  return described(() => true, { kind: "allTensors" });
}

/**
 * True for tensors whose variable name matches the regular expression `pattern` (a string:
 * its source is what gets saved). tf.js layers name variables `<layer>/kernel`,
 * `<layer>/bias`, `<layer>/gamma`, ...; a model loaded again in the same process gets
 * suffixed layer names (`dense_Dense1_1/bias`), so anchor on the end.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { nameMatches, not } from "./mask.ts";
 * import { lars } from "./lars.ts";
 * const notBias = not(nameMatches("/bias$"));
 * const opt = lars({ learningRate: 0.1, weightDecayMask: notBias, trustRatioMask: notBias });
 * await useBackend("cpu");
 * const bias = tf.variable(tf.zeros([4]), true, "doc/mask/dense/bias");
 * const gamma = tf.variable(tf.ones([4]), true, "doc/mask/bn/gamma");
 * assertEquals([bias, gamma].map(notBias), [false, true]);
 * assertEquals(opt.getConfig().trustRatioMask, {
 *   kind: "not",
 *   mask: { kind: "nameMatches", pattern: "/bias$", flags: "" },
 * });
 * ```
 */
export function nameMatches(pattern: string, flags = ""): DescribedMask {
  if (typeof pattern !== "string" || typeof flags !== "string") {
    throw new Error(
      `nameMatches: pattern and flags must be strings, got ${String(pattern)}, ${String(flags)}`,
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags);
  } catch (e) {
    throw new Error(
      `nameMatches: ${JSON.stringify(pattern)} (flags ${JSON.stringify(flags)}) is not a ` +
        `regular expression: ${(e as Error).message}`,
    );
  }
  // A global or sticky regex keeps lastIndex between test() calls: refuse it.
  if (re.global || re.sticky) {
    throw new Error(`nameMatches: flags must not contain "g" or "y", got ${JSON.stringify(flags)}`);
  }
  return described((v) => re.test(v.name), { kind: "nameMatches", pattern, flags });
}

/**
 * The complement of a described mask.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { not, rankAtMost } from "./mask.ts";
 * assertEquals(not(rankAtMost(1)).config, { kind: "not", mask: { kind: "rankAtMost", maxRank: 1 } });
 * ```
 */
export function not(mask: DescribedMask): DescribedMask {
  const inner = checkDescribed("not", mask);
  return described((v) => !inner(v), { kind: "not", mask: inner.config });
}

/**
 * True where every one of `masks` is (true for every tensor when `masks` is empty).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { allOf, nameMatches, not, rankAbove } from "./mask.ts";
 * // kernels, but not the embedding table
 * const mask = allOf(rankAbove(1), not(nameMatches("embedding")));
 * assertEquals(mask.config.kind, "allOf");
 * ```
 */
export function allOf(...masks: DescribedMask[]): DescribedMask {
  const inner = masks.map((m) => checkDescribed("allOf", m));
  return described((v) => inner.every((m) => m(v)), {
    kind: "allOf",
    masks: inner.map((m) => m.config),
  });
}

/**
 * True where any of `masks` is (false for every tensor when `masks` is empty).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { anyOf, nameMatches, rankAbove } from "./mask.ts";
 * const mask = anyOf(rankAbove(1), nameMatches("/gamma$"));
 * assertEquals(mask.config.kind, "anyOf");
 * ```
 */
export function anyOf(...masks: DescribedMask[]): DescribedMask {
  const inner = masks.map((m) => checkDescribed("anyOf", m));
  return described((v) => inner.some((m) => m(v)), {
    kind: "anyOf",
    masks: inner.map((m) => m.config),
  });
}

function checkDescribed(owner: string, mask: DescribedMask): DescribedMask {
  if (typeof mask !== "function" || mask.config === undefined) {
    throw new Error(
      `${owner}: each mask must be a described mask (rankAbove, rankAtMost, allTensors, ` +
        `nameMatches, not, allOf, anyOf), got ${String(mask)}`,
    );
  }
  return mask;
}

/**
 * The default of every `weightDecayMask` and `trustRatioMask`: `rankAbove(1)`, the tensors of
 * rank >= 2 (kernels). optax's default is every tensor (see docs/method.md).
 */
export const DEFAULT_MASK: DescribedMask = rankAbove(1);

/** Checks a mask option: a function `(variable) => boolean`; returns it, or `fallback`. */
export function checkMask(
  owner: string,
  name: string,
  mask: VariablePredicate | undefined,
  fallback: VariablePredicate = DEFAULT_MASK,
): VariablePredicate {
  if (mask === undefined) return fallback;
  if (typeof mask !== "function") {
    throw new Error(
      `${owner}: ${name} must be a function (variable) => boolean (true = apply), got ${
        String(mask)
      }`,
    );
  }
  return mask;
}

/** The savable form of the mask option `name`; throws for a plain function. */
export function maskToConfig(owner: string, mask: VariablePredicate, name: string): MaskConfig {
  const config = (mask as Partial<DescribedMask>).config;
  if (config === undefined) {
    throw new Error(
      `${owner}: ${name} is a plain function and cannot be serialized; build it from ` +
        `rankAbove, rankAtMost, allTensors, nameMatches, not, allOf and anyOf`,
    );
  }
  return config;
}

/**
 * Inverse of {@link maskToConfig}; throws one line naming the bad config.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { maskFromConfig, nameMatches } from "./mask.ts";
 * const saved = JSON.parse(JSON.stringify(nameMatches("/kernel$").config));
 * assertEquals(maskFromConfig(saved).config, { kind: "nameMatches", pattern: "/kernel$", flags: "" });
 * ```
 */
export function maskFromConfig(config: MaskConfig): DescribedMask {
  switch (config?.kind) {
    case "rankAtMost":
      return rankAtMost(config.maxRank);
    case "rankAbove":
      return rankAbove(config.minRank);
    case "allTensors":
      return allTensors();
    case "nameMatches":
      return nameMatches(config.pattern, config.flags ?? "");
    case "not":
      return not(maskFromConfig(config.mask));
    case "allOf":
    case "anyOf":
      if (!Array.isArray(config.masks)) break;
      return (config.kind === "allOf" ? allOf : anyOf)(...config.masks.map(maskFromConfig));
  }
  throw new Error(
    `maskFromConfig: kind must be one of rankAtMost, rankAbove, allTensors, nameMatches, not, ` +
      `allOf, anyOf (with its fields), got ${JSON.stringify(config)}`,
  );
}

/**
 * The mask config for the tensors that an `exclude` config (the option before masks had one
 * polarity; true = skip) did not pick: its exact complement, so configs saved with `exclude`
 * load and train the same way.
 */
export function complementOfExclude(exclude: MaskConfig): MaskConfig {
  if (exclude?.kind === "rankAtMost") return { kind: "rankAbove", minRank: exclude.maxRank };
  if (exclude?.kind === "rankAbove") return { kind: "rankAtMost", maxRank: exclude.minRank };
  return { kind: "not", mask: exclude };
}
