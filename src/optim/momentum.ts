/**
 * Momentum SGD with a schedule: the project's small-batch baseline.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { optionsToConfig } from "./_config.ts";
import {
  checkBoolean,
  checkKeys,
  checkOneOf,
  checkOptionsObject,
  checkUnitInterval,
} from "./_validate.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { NON_FINITE_POLICIES, type NonFinitePolicy } from "./non_finite.ts";
import { fusedUpdate } from "./fused_update.ts";
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
  /** Nesterov's variant (tf.js's name, in options and config alike). Default false. */
  useNesterov?: boolean;
  /** What a step with a NaN or Inf gradient does. Default "apply" (see {@link NonFinitePolicy}). */
  nonFinite?: NonFinitePolicy;
}

/**
 * Momentum's defaults, the only place they are stated. Every option but `learningRate`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { MOMENTUM_DEFAULTS } from "./momentum.ts";
 * assertEquals(MOMENTUM_DEFAULTS.momentum, 0.9);
 * ```
 */
export const MOMENTUM_DEFAULTS: Readonly<Required<Omit<MomentumOptions, "learningRate">>> = Object
  .freeze({ momentum: 0.9, useNesterov: false, nonFinite: "apply" });

const KEYS = ["learningRate", ...Object.keys(MOMENTUM_DEFAULTS)];

/**
 * Momentum SGD with `tf.train.momentum`'s semantics (the rate is OUTSIDE the buffer):
 * `a = mu * a + g; w -= eta(t) * a` (`useNesterov`: `w -= eta(t) * (g + mu * a)`), i.e.
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
    checkOptionsObject(owner, options);
    checkKeys(owner, options, KEYS);
    const rate = toRateFunction(owner, options.learningRate);
    const d = MOMENTUM_DEFAULTS;
    const o: Required<MomentumOptions> = {
      learningRate: options.learningRate,
      momentum: checkUnitInterval(owner, "momentum", options.momentum ?? d.momentum),
      useNesterov: checkBoolean(owner, "useNesterov", options.useNesterov ?? d.useNesterov),
      nonFinite: checkOneOf(
        owner,
        "nonFinite",
        options.nonFinite ?? d.nonFinite,
        NON_FINITE_POLICIES,
      ),
    };
    super(
      chain(trace({ decay: o.momentum, nesterov: o.useNesterov }), scaleByLearningRate(rate)),
      {
        rate,
        nonFinite: o.nonFinite,
        fused: fusedUpdate({
          method: "momentum",
          hyper: { momentum: o.momentum, nesterov: o.useNesterov },
        }),
      },
    );
    this.options = o;
  }

  /**
   * `{learningRate, momentum, useNesterov, nonFinite}`: tf.js's `tf.train.momentum` keys and
   * the guard; throws for a plain-function learning rate.
   */
  override getConfig(): ConfigDict {
    return optionsToConfig("momentum", { ...this.options });
  }

  /** Rebuilds from {@link getConfig}'s output (also reads `nesterov`, this key before 0.1.0). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: ConfigDict,
  ): T {
    const { nesterov, ...rest } = config;
    return ChainOptimizer.fromConfig(
      cls,
      nesterov === undefined ? rest : { useNesterov: nesterov, ...rest },
    );
  }
}

/**
 * Momentum SGD (tf.js `tf.train.momentum` semantics) taking a number or a schedule.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { momentum } from "@lalc/large-batch";
 * import { warmupCosine } from "@lalc/large-batch";
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
