/**
 * Learning-rate schedules with optax's conventions, step for step: a schedule maps the
 * optimizer's 0-based step count to a rate, and the first update uses the value at 0.
 *
 * Library schedules are plain functions that also carry a `config` describing them, so an
 * optimizer that uses one can be saved (`getConfig`) and rebuilt (`fromConfig`). A user's own
 * `(step) => number` works everywhere except serialization, which then throws.
 *
 * @module
 */
import { checkBoolean, checkNonNegative, checkPositive } from "./_validate.ts";

/** Data describing one library schedule; `kind` names the factory that made it. */
export type ScheduleConfig =
  | { kind: "constant"; value: number }
  | { kind: "linearSchedule"; init: number; end: number; steps: number }
  | { kind: "cosineDecay"; init: number; decaySteps: number; alpha: number }
  | {
    kind: "warmupCosine";
    init: number;
    peak: number;
    warmupSteps: number;
    decaySteps: number;
    end: number;
  }
  | { kind: "linearWarmup"; init: number; peak: number; warmupSteps: number }
  | { kind: "piecewiseConstant"; init: number; boundariesAndScales: Record<string, number> }
  | {
    kind: "exponentialDecay";
    init: number;
    transitionSteps: number;
    decayRate: number;
    transitionBegin: number;
    staircase: boolean;
    end?: number;
  }
  | { kind: "joinSchedules"; schedules: ScheduleConfig[]; boundaries: number[] };

/** A library schedule: callable with the step count, and describable through `config`. */
export interface Schedule {
  /** The rate at 0-based step `step`. */
  (step: number): number;
  /** What made this schedule; `scheduleFromConfig(config)` rebuilds it. */
  readonly config: ScheduleConfig;
}

/** A learning rate: a number, a library {@link Schedule} or any `(step) => number`. */
export type LearningRate = number | ((step: number) => number);

function tagged(fn: (step: number) => number, config: ScheduleConfig): Schedule {
  return Object.assign(fn, { config });
}

/**
 * A constant rate (optax `constant_schedule`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { constant } from "@lalc/large-batch";
 * assertEquals(constant(0.1)(1000), 0.1);
 * ```
 */
export function constant(value: number): Schedule {
  checkNonNegative("constant", "value", value);
  return tagged(() => value, { kind: "constant", value });
}

/**
 * Linear interpolation from `init` to `end` over `steps` steps, then `end` (optax
 * `linear_schedule`): `init + (end - init) * min(t, steps) / steps`, written as optax writes
 * it, `(init - end) * (1 - min(t, steps) / steps) + end`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { linearSchedule } from "@lalc/large-batch";
 * const s = linearSchedule({ init: 0, end: 1, steps: 4 });
 * assertEquals(s(1), 0.25);
 * ```
 */
export function linearSchedule(
  options: { init: number; end: number; steps: number },
): Schedule {
  const { init, end, steps } = options;
  checkNonNegative("linearSchedule", "init", init);
  checkNonNegative("linearSchedule", "end", end);
  checkPositive("linearSchedule", "steps", steps);
  return tagged((step) => {
    const t = Math.min(Math.max(step, 0), steps);
    return (init - end) * (1 - t / steps) + end;
  }, { kind: "linearSchedule", init, end, steps });
}

/**
 * Cosine decay (Loshchilov & Hutter, "SGDR", 2017; optax `cosine_decay_schedule`):
 * `init * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, T) / T)) + alpha)` with `T = decaySteps`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { cosineDecay } from "@lalc/large-batch";
 * assertEquals(cosineDecay({ init: 1, decaySteps: 10 })(5), 0.5);
 * ```
 */
export function cosineDecay(
  options: { init: number; decaySteps: number; alpha?: number },
): Schedule {
  const { init, decaySteps, alpha = 0 } = options;
  checkNonNegative("cosineDecay", "init", init);
  checkPositive("cosineDecay", "decaySteps", decaySteps);
  checkNonNegative("cosineDecay", "alpha", alpha);
  return tagged((step) => {
    const t = Math.min(Math.max(step, 0), decaySteps);
    const cosine = 0.5 * (1 + Math.cos(Math.PI * t / decaySteps));
    return init * ((1 - alpha) * cosine + alpha);
  }, { kind: "cosineDecay", init, decaySteps, alpha });
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay to `end`
 * (Goyal et al. 2017 warmup + SGDR; optax `warmup_cosine_decay_schedule`). As in optax,
 * `decaySteps` is the TOTAL length including the warmup, so the cosine part lasts
 * `decaySteps - warmupSteps` steps and uses `alpha = end / peak`. `warmupSteps = 0` means no
 * warmup.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { warmupCosine } from "@lalc/large-batch";
 * const s = warmupCosine({ init: 0, peak: 1, warmupSteps: 2, decaySteps: 6 });
 * assertEquals(s(1), 0.5); // warming up
 * assertEquals(Math.round(s(4) * 1e12) / 1e12, 0.5); // half way down the cosine
 * ```
 */
export function warmupCosine(options: {
  init: number;
  peak: number;
  warmupSteps: number;
  decaySteps: number;
  end?: number;
}): Schedule {
  const { init, peak, warmupSteps, decaySteps, end = 0 } = options;
  const owner = "warmupCosine";
  checkNonNegative(owner, "init", init);
  checkNonNegative(owner, "peak", peak);
  checkNonNegative(owner, "end", end);
  checkNonNegative(owner, "warmupSteps", warmupSteps);
  checkPositive(owner, "decaySteps", decaySteps);
  if (!(decaySteps > warmupSteps)) {
    throw new Error(
      `${owner}: decaySteps must be > warmupSteps (${warmupSteps}; decaySteps includes the warmup), got ${decaySteps}`,
    );
  }
  const warm = warmupSteps > 0 ? linearSchedule({ init, end: peak, steps: warmupSteps }) : null;
  const decay = cosineDecay({
    init: peak,
    decaySteps: decaySteps - warmupSteps,
    alpha: peak === 0 ? 0 : end / peak,
  });
  return tagged(
    (step) => warm !== null && step < warmupSteps ? warm(step) : decay(step - warmupSteps),
    { kind: "warmupCosine", init, peak, warmupSteps, decaySteps, end },
  );
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then constant `peak` (Goyal et al.
 * 2017 "gradual warmup"; optax `warmup_constant_schedule`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { linearWarmup } from "@lalc/large-batch";
 * assertEquals(linearWarmup({ init: 0, peak: 0.4, warmupSteps: 4 })(100), 0.4);
 * ```
 */
export function linearWarmup(
  options: { init?: number; peak: number; warmupSteps: number },
): Schedule {
  const { init = 0, peak, warmupSteps } = options;
  checkNonNegative("linearWarmup", "init", init);
  checkNonNegative("linearWarmup", "peak", peak);
  checkPositive("linearWarmup", "warmupSteps", warmupSteps);
  const ramp = linearSchedule({ init, end: peak, steps: warmupSteps });
  return tagged(ramp, { kind: "linearWarmup", init, peak, warmupSteps });
}

/**
 * A piecewise constant rate (optax `piecewise_constant_schedule`): `init` times the product
 * of every scale whose boundary step has been reached (`step >= boundary`). Scales are
 * applied in increasing boundary order and must be >= 0.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { piecewiseConstant } from "@lalc/large-batch";
 * const s = piecewiseConstant({ init: 1, boundariesAndScales: { 100: 0.1, 200: 0.1 } });
 * assertEquals([s(99), s(100), s(250)], [1, 0.1, 0.1 * 0.1]); // 0.1 * 0.1 = 0.010000000000000002
 * ```
 */
export function piecewiseConstant(
  options: { init: number; boundariesAndScales: Readonly<Record<number, number>> },
): Schedule {
  const owner = "piecewiseConstant";
  const { init } = options;
  checkNonNegative(owner, "init", init);
  const table = options.boundariesAndScales;
  if (typeof table !== "object" || table === null) {
    throw new Error(
      `${owner}: boundariesAndScales must be an object {step: scale}, got ${String(table)}`,
    );
  }
  const pairs = Object.entries(table).map(([key, scale]) => {
    const boundary = Number(key);
    checkNonNegative(owner, `boundary ${key}`, boundary);
    checkNonNegative(owner, `scale at step ${key}`, scale);
    return [boundary, scale] as const;
  }).sort((a, b) => a[0] - b[0]);
  const boundariesAndScales = Object.fromEntries(pairs.map(([b, s]) => [String(b), s]));
  return tagged((step) => {
    let value = init;
    for (const [boundary, scale] of pairs) if (step >= boundary) value *= scale;
    return value;
  }, { kind: "piecewiseConstant", init, boundariesAndScales });
}

/**
 * Exponential decay (optax `exponential_decay`): `init` until `transitionBegin`, then
 * `init * decayRate ** ((step - transitionBegin) / transitionSteps)`, the exponent floored
 * with `staircase`; with `end`, clipped at it (a floor when `decayRate < 1`, a ceiling
 * otherwise). Where optax quietly turns bad values into a constant schedule
 * (`transitionSteps <= 0`, `decayRate == 0`) or clamps them (`transitionBegin < 0`), this
 * throws.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { exponentialDecay } from "@lalc/large-batch";
 * const s = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, staircase: true });
 * assertEquals([s(9), s(10), s(25)], [1, 0.5, 0.25]);
 * ```
 */
export function exponentialDecay(options: {
  init: number;
  transitionSteps: number;
  decayRate: number;
  transitionBegin?: number;
  staircase?: boolean;
  end?: number;
}): Schedule {
  const owner = "exponentialDecay";
  const { init, transitionSteps, decayRate, transitionBegin = 0, staircase = false, end } = options;
  checkNonNegative(owner, "init", init);
  checkPositive(owner, "transitionSteps", transitionSteps);
  checkPositive(owner, "decayRate", decayRate);
  checkNonNegative(owner, "transitionBegin", transitionBegin);
  checkBoolean(owner, "staircase", staircase);
  if (end !== undefined) checkNonNegative(owner, "end", end);
  const clip = end === undefined
    ? (v: number) => v
    : decayRate < 1
    ? (v: number) => Math.max(v, end)
    : (v: number) => Math.min(v, end);
  const config: ScheduleConfig = {
    kind: "exponentialDecay",
    init,
    transitionSteps,
    decayRate,
    transitionBegin,
    staircase,
    ...(end === undefined ? {} : { end }),
  };
  return tagged((step) => {
    const elapsed = step - transitionBegin;
    let p = elapsed / transitionSteps;
    if (staircase) p = Math.floor(p);
    return clip(elapsed <= 0 ? init : init * Math.pow(decayRate, p));
  }, config);
}

/**
 * Runs `schedules` one after the other (optax `join_schedules`): `schedules[0]` until
 * `boundaries[0]`, then `schedules[1]`, and so on; schedule `i > 0` is called with
 * `step - boundaries[i - 1]`, the steps since ITS boundary. Needs one boundary fewer than
 * schedules, in non-decreasing order.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { constant, joinSchedules, linearSchedule } from "@lalc/large-batch";
 * const s = joinSchedules({
 *   schedules: [linearSchedule({ init: 0, end: 1, steps: 10 }), constant(1)],
 *   boundaries: [10],
 * });
 * assertEquals([s(5), s(10), s(500)], [0.5, 1, 1]);
 * ```
 */
export function joinSchedules(
  options: { schedules: readonly Schedule[]; boundaries: readonly number[] },
): Schedule {
  const owner = "joinSchedules";
  const { schedules, boundaries } = options;
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new Error(`${owner}: schedules must be a non-empty array, got ${String(schedules)}`);
  }
  schedules.forEach((s, i) => {
    if (typeof s !== "function" || (s as Partial<Schedule>).config === undefined) {
      throw new Error(
        `${owner}: schedules[${i}] must be a library schedule (constant, linearSchedule, ...), got ${
          String(s)
        }`,
      );
    }
  });
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new Error(
      `${owner}: boundaries must have ${
        schedules.length - 1
      } entries (one fewer than schedules), got ${JSON.stringify(boundaries)}`,
    );
  }
  boundaries.forEach((b, i) => {
    checkNonNegative(owner, `boundaries[${i}]`, b);
    if (i > 0 && b < boundaries[i - 1]) {
      throw new Error(
        `${owner}: boundaries must be non-decreasing, got ${JSON.stringify(boundaries)}`,
      );
    }
  });
  const parts = schedules.slice(), edges = boundaries.slice();
  return tagged((step) => {
    let value = parts[0](step);
    edges.forEach((b, i) => {
      if (step >= b) value = parts[i + 1](step - b);
    });
    return value;
  }, { kind: "joinSchedules", schedules: parts.map((s) => s.config), boundaries: edges });
}

/**
 * The linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
 * `baseLr * batchSize / baseBatchSize`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { linearScaling } from "@lalc/large-batch";
 * assertEquals(linearScaling(0.1, 1024), 0.4);
 * ```
 */
export function linearScaling(baseLr: number, batchSize: number, baseBatchSize = 256): number {
  checkNonNegative("linearScaling", "baseLr", baseLr);
  checkPositive("linearScaling", "batchSize", batchSize);
  checkPositive("linearScaling", "baseBatchSize", baseBatchSize);
  return baseLr * batchSize / baseBatchSize;
}

/**
 * Rebuilds a library schedule from its `config`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { cosineDecay, scheduleFromConfig } from "@lalc/large-batch";
 * const s = scheduleFromConfig(cosineDecay({ init: 1, decaySteps: 10 }).config);
 * assertEquals(s(5), 0.5);
 * ```
 */
export function scheduleFromConfig(config: ScheduleConfig): Schedule {
  switch (config?.kind) {
    case "constant":
      return constant(config.value);
    case "linearSchedule":
      return linearSchedule(config);
    case "cosineDecay":
      return cosineDecay(config);
    case "warmupCosine":
      return warmupCosine(config);
    case "linearWarmup":
      return linearWarmup(config);
    case "piecewiseConstant":
      return piecewiseConstant(config);
    case "exponentialDecay":
      return exponentialDecay(config);
    case "joinSchedules":
      return joinSchedules({
        schedules: config.schedules.map(scheduleFromConfig),
        boundaries: config.boundaries,
      });
    default:
      throw new Error(
        `scheduleFromConfig: kind must be one of constant, linearSchedule, cosineDecay, warmupCosine, linearWarmup, piecewiseConstant, exponentialDecay, joinSchedules, got ${
          JSON.stringify(config)
        }`,
      );
  }
}

/**
 * Checks a learning rate at construction and returns it as a function of the step. A
 * number must be finite and >= 0; a user function is probed at step 0 with the same rule
 * (a library schedule has already checked its own parameters).
 */
export function toRateFunction(owner: string, rate: LearningRate): (step: number) => number {
  if (typeof rate === "number") {
    checkNonNegative(owner, "learningRate", rate);
    return () => rate;
  }
  if (typeof rate !== "function") {
    throw new Error(
      `${owner}: learningRate must be a number >= 0 or a function (step) => number, got ${
        String(rate)
      }`,
    );
  }
  const first = rate(0);
  if (!Number.isFinite(first) || first < 0) {
    throw new Error(
      `${owner}: learningRate(0) must be a finite number >= 0, got ${String(first)}`,
    );
  }
  return rate;
}

/**
 * The serializable form of a learning rate: the number itself or the schedule's config.
 * Throws for a function that is not a library schedule, because its code cannot be saved.
 */
export function learningRateToConfig(
  owner: string,
  rate: LearningRate,
): number | ScheduleConfig {
  if (typeof rate === "number") return rate;
  const config = (rate as Partial<Schedule>).config;
  if (config === undefined) {
    throw new Error(
      `${owner}: learningRate is a plain function and cannot be serialized; use a number or ` +
        `a library schedule (constant, linearSchedule, cosineDecay, warmupCosine, linearWarmup, ` +
        `piecewiseConstant, exponentialDecay, joinSchedules)`,
    );
  }
  return config;
}

/** Inverse of {@link learningRateToConfig}. */
export function learningRateFromConfig(config: number | ScheduleConfig): LearningRate {
  if (typeof config === "number") return config;
  return scheduleFromConfig(config);
}
