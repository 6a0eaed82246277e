/**
 * Momentum SGD with a schedule: the project's small-batch baseline.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { optionsToConfig } from "./_config.ts";
import { checkBoolean, checkUnitInterval } from "./_validate.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { type LearningRate, toRateFunction } from "./schedule.ts";
import { trace } from "./trace.ts";
import { chain } from "./transform.ts";
import type { ConfigDict } from "../tf_types.ts";

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /** Number or schedule `(step) => number` at the 0-based step. */
  learningRate: LearningRate;
  /** `mu` in [0, 1). Default 0.9. */
  momentum?: number;
  /** Nesterov's variant. Default false. */
  nesterov?: boolean;
}

/**
 * Momentum SGD with `tf.train.momentum`'s semantics (the rate is OUTSIDE the buffer):
 * `a = mu * a + g; w -= eta(t) * a` (Nesterov: `w -= eta(t) * (g + mu * a)`), i.e.
 * `chain(trace(mu), scaleByLearningRate(eta))`. Registered as "ScheduledMomentum" because
 * tf.js itself owns the name "Momentum".
 */
export class MomentumOptimizer extends ChainOptimizer {
  /** Registered serialization name. */
  static override get className(): string {
    return "ScheduledMomentum";
  }

  /** The checked options (defaults filled in). */
  readonly options: Required<MomentumOptions>;

  /** See {@link momentum}. */
  constructor(options: MomentumOptions) {
    const owner = "momentum";
    const rate = toRateFunction(owner, options?.learningRate);
    const o: Required<MomentumOptions> = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? 0.9),
      nesterov: checkBoolean(owner, "nesterov", options.nesterov ?? false),
    };
    super(chain(trace({ decay: o.momentum, nesterov: o.nesterov }), scaleByLearningRate(rate)), {
      rate,
    });
    this.options = o;
  }

  /** `{learningRate, momentum, nesterov}`; throws for a plain-function learning rate. */
  override getConfig(): ConfigDict {
    return optionsToConfig("momentum", { ...this.options });
  }
}
tf.serialization.registerClass(MomentumOptimizer);

/**
 * Momentum SGD (tf.js `tf.train.momentum` semantics) taking a number or a schedule.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../backend/backend.ts";
 * import { momentum } from "./momentum.ts";
 * import { warmupCosine } from "./schedule.ts";
 * const opt = momentum({
 *   learningRate: warmupCosine({ init: 0, peak: 0.4, warmupSteps: 50, decaySteps: 1000 }),
 * });
 * await useBackend("cpu");
 * const w = tf.variable(tf.ones([2, 2]), true, "doc/momentum/kernel");
 * opt.applyGradients({ [w.name]: tf.ones([2, 2]) });
 * assertEquals([...await w.data()].every((v) => v === 1), true); // warmup starts at 0
 * ```
 */
export function momentum(options: MomentumOptions): MomentumOptimizer {
  return new MomentumOptimizer(options);
}
