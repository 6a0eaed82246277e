/**
 * Which tensors skip weight decay and layer-wise adaptation. The usual choice (You et al.
 * 2017 for LARS, 2019 for LAMB) is every tensor of rank <= 1: biases and BN gamma/beta.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { VariablePredicate } from "./transform.ts";

/** A predicate that can be saved: made by {@link rankAtMost} or {@link rankAbove}. */
export interface DescribedPredicate extends VariablePredicate {
  /** What made the predicate; {@link excludeFromConfig} rebuilds it. */
  readonly config: { kind: "rankAtMost"; maxRank: number } | {
    kind: "rankAbove";
    minRank: number;
  };
}

/**
 * True for tensors of rank <= `maxRank`; `rankAtMost(1)` is the default `exclude`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { rankAtMost } from "@lalc/large-batch";
 * import { lars } from "@lalc/large-batch";
 * const opt = lars({ learningRate: 1, exclude: rankAtMost(1) });
 * await useBackend("cpu");
 * const [bias, kernel] = [tf.variable(tf.zeros([4])), tf.variable(tf.zeros([4, 4]))];
 * assertEquals([bias, kernel].map((v) => opt.options.exclude(v)), [true, false]);
 * assertEquals(opt.getConfig().exclude, { kind: "rankAtMost", maxRank: 1 }); // it can be saved
 * ```
 */
export function rankAtMost(maxRank: number): DescribedPredicate {
  if (!Number.isInteger(maxRank) || maxRank < 0) {
    throw new Error(`rankAtMost: maxRank must be an integer >= 0, got ${String(maxRank)}`);
  }
  const fn = (v: tf.Variable) => v.rank <= maxRank;
  return Object.assign(fn, { config: { kind: "rankAtMost" as const, maxRank } });
}

/**
 * True for tensors of rank > `minRank`; `rankAbove(1)` (kernels only) is the complement of
 * the default `exclude`, the natural mask for LARS's `weightDecayMask`/`trustRatioMask`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { rankAbove } from "@lalc/large-batch";
 * import { lars } from "@lalc/large-batch";
 * const opt = lars({ learningRate: 1, weightDecay: 1e-4, weightDecayMask: rankAbove(1) });
 * await useBackend("cpu");
 * const [bias, kernel] = [tf.variable(tf.zeros([4])), tf.variable(tf.zeros([4, 4]))];
 * assertEquals([bias, kernel].map((v) => opt.options.weightDecayMask?.(v)), [false, true]);
 * assertEquals(opt.getConfig().weightDecayMask, { kind: "rankAbove", minRank: 1 });
 * ```
 */
export function rankAbove(minRank: number): DescribedPredicate {
  if (!Number.isInteger(minRank) || minRank < 0) {
    throw new Error(`rankAbove: minRank must be an integer >= 0, got ${String(minRank)}`);
  }
  const fn = (v: tf.Variable) => v.rank > minRank;
  return Object.assign(fn, { config: { kind: "rankAbove" as const, minRank } });
}

/** The default exclude predicate: rank <= 1 (biases, BN gamma and beta). */
export const DEFAULT_EXCLUDE: DescribedPredicate = rankAtMost(1);

/** Checks an optional predicate option (a mask); returns it or undefined. */
export function checkPredicate(
  owner: string,
  name: string,
  predicate: VariablePredicate | undefined,
): VariablePredicate | undefined {
  if (predicate !== undefined && typeof predicate !== "function") {
    throw new Error(
      `${owner}: ${name} must be a function (variable) => boolean, got ${String(predicate)}`,
    );
  }
  return predicate;
}

/** Checks an `exclude` option and returns it (or the default). */
export function checkExclude(
  owner: string,
  exclude: VariablePredicate | undefined,
): VariablePredicate {
  if (exclude === undefined) return DEFAULT_EXCLUDE;
  if (typeof exclude !== "function") {
    throw new Error(
      `${owner}: exclude must be a function (variable) => boolean, got ${String(exclude)}`,
    );
  }
  return exclude;
}

/**
 * The serializable form of `exclude` (or of the predicate option `name`); throws for a plain
 * function (its code cannot be saved).
 */
export function excludeToConfig(
  owner: string,
  exclude: VariablePredicate,
  name = "exclude",
): DescribedPredicate["config"] {
  const config = (exclude as Partial<DescribedPredicate>).config;
  if (config === undefined) {
    throw new Error(
      `${owner}: ${name} is a plain function and cannot be serialized; use rankAtMost(n), rankAbove(n) or leave the default`,
    );
  }
  return config;
}

/** Inverse of {@link excludeToConfig}. */
export function excludeFromConfig(config: DescribedPredicate["config"]): DescribedPredicate {
  if (config?.kind === "rankAtMost") return rankAtMost(config.maxRank);
  if (config?.kind === "rankAbove") return rankAbove(config.minRank);
  throw new Error(
    `excludeFromConfig: kind must be "rankAtMost" or "rankAbove", got ${JSON.stringify(config)}`,
  );
}
