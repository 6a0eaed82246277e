/**
 * The real optimizer kit of the grid: src/optim's optimizers and schedules.
 *
 * @module
 */
import { lalc } from "../optim/lalc.ts";
import { lamb } from "../optim/lamb.ts";
import { lars } from "../optim/lars.ts";
import { momentum } from "../optim/momentum.ts";
import { cosineDecay, warmupCosine } from "../optim/schedule.ts";
import type { OptimizerKit } from "./recipes.ts";

/**
 * The {@link OptimizerKit} built from src/optim (each optimizer with its defaults beyond the
 * options the recipe sets).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { optimizerKit } from "./kit.ts";
 * const rate = optimizerKit.cosineDecay({ init: 1, decaySteps: 10, alpha: 0 });
 * assertEquals([rate(0), rate(5), rate(10)].map((r) => Math.round(r * 1e6) / 1e6), [1, 0.5, 0]);
 * ```
 */
export const optimizerKit: OptimizerKit = {
  lalc: (o) => lalc(o),
  lars: (o) => lars(o),
  lamb: (o) => lamb(o),
  momentum: (o) => momentum(o),
  warmupCosine: (o) => warmupCosine(o),
  cosineDecay: (o) => cosineDecay(o),
};
