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
import { checkNonNegative, checkPositive } from "./_validate.ts";

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
  | { kind: "linearWarmup"; init: number; peak: number; warmupSteps: number };

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
 * import { constant } from "./schedule.ts";
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
 * import { linearSchedule } from "./schedule.ts";
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
 * import { cosineDecay } from "./schedule.ts";
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
 * import { warmupCosine } from "./schedule.ts";
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
 * import { linearWarmup } from "./schedule.ts";
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
 * The linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
 * `baseLr * batchSize / baseBatchSize`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { linearScaling } from "./schedule.ts";
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
 * import { cosineDecay, scheduleFromConfig } from "./schedule.ts";
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
    default:
      throw new Error(
        `scheduleFromConfig: kind must be one of constant, linearSchedule, cosineDecay, warmupCosine, linearWarmup, got ${
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
        `a library schedule (constant, linearSchedule, cosineDecay, warmupCosine, linearWarmup)`,
    );
  }
  return config;
}

/** Inverse of {@link learningRateToConfig}. */
export function learningRateFromConfig(config: number | ScheduleConfig): LearningRate {
  if (typeof config === "number") return config;
  return scheduleFromConfig(config);
}
