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
  /**
   * Where the rate enters. Default false: OUTSIDE the buffer, tf.js's and PyTorch's
   * `v = mu*v + g; w -= eta_t*v` (`useNesterov`: `w -= eta_t*(g + mu*v)`), Goyal et al.'s
   * eq. (9). True: INSIDE it, each gradient scaled by the rate of its own step before the
   * sum, `v = mu*v + eta_t*g; w -= v` (`useNesterov`: `w -= eta_t*g + mu*v`), Goyal et al.'s
   * eq. (10) without their "momentum correction" (which rescales `v` by `eta_{t+1}/eta_t`
   * to make (10) follow (9)), and where LARS and LALC put their rates. The two agree at a
   * constant rate (up to float32 rounding); under a changing rate they differ: outside,
   * a rising warmup ramp re-applies the first steps' gradients at the later, larger rate.
   * The buffer slot holds `-v` (the step added to the weights), as LARS's does.
   *
   * @example
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert/strict";
   * import * as tf from "@tensorflow/tfjs-core";
   * import { useBackend } from "@lalc/large-batch/backend";
   * import { momentum } from "@lalc/large-batch";
   * // Rates 0.1 then 0.2, gradient 1 both times, mu 0.5.
   * const opt = momentum({ learningRate: (t) => 0.1 * (t + 1), momentum: 0.5, rateInBuffer: true });
   * await useBackend("cpu");
   * const w = tf.variable(tf.zeros([1]), true, "doc/momentum/rateInBuffer");
   * for (let t = 0; t < 2; t++) opt.applyGradients({ [w.name]: tf.ones([1]) });
   * // v = 0.1, then 0.5 * 0.1 + 0.2 = 0.25: w = -0.35 (outside the buffer: -0.1 - 0.2 * 1.5 = -0.4)
   * assertEquals(Math.round(w.dataSync()[0] * 1e6) / 1e6, -0.35);
   * ```
   */
  rateInBuffer?: boolean;
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
  .freeze({ momentum: 0.9, useNesterov: false, rateInBuffer: false, nonFinite: "apply" });

const KEYS = ["learningRate", ...Object.keys(MOMENTUM_DEFAULTS)];

/**
 * Momentum SGD with `tf.train.momentum`'s semantics (the rate is OUTSIDE the buffer):
 * `a = mu * a + g; w -= eta(t) * a` (`useNesterov`: `w -= eta(t) * (g + mu * a)`), i.e.
 * `chain(trace(mu), scaleByLearningRate(eta))`; with `rateInBuffer` the two swap,
 * `chain(scaleByLearningRate(eta), trace(mu))` (see {@link MomentumOptions.rateInBuffer}).
 * Registered as "ScheduledMomentum" because tf.js itself owns the name "Momentum".
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
      rateInBuffer: checkBoolean(owner, "rateInBuffer", options.rateInBuffer ?? d.rateInBuffer),
      nonFinite: checkOneOf(
        owner,
        "nonFinite",
        options.nonFinite ?? d.nonFinite,
        NON_FINITE_POLICIES,
      ),
    };
    const heavyBall = trace({ decay: o.momentum, nesterov: o.useNesterov });
    const scale = scaleByLearningRate(rate);
    super(
      o.rateInBuffer ? chain(scale, heavyBall) : chain(heavyBall, scale),
      {
        rate,
        nonFinite: o.nonFinite,
        fused: fusedUpdate({
          method: "momentum",
          hyper: { momentum: o.momentum, nesterov: o.useNesterov, rateInBuffer: o.rateInBuffer },
        }),
      },
    );
    this.options = o;
  }

  /**
   * `{learningRate, momentum, useNesterov, nonFinite}`: tf.js's `tf.train.momentum` keys and
   * the guard, and `rateInBuffer` only where it is true (so the default's config stays
   * tf.js's); throws for a plain-function learning rate.
   */
  override getConfig(): ConfigDict {
    const { rateInBuffer, ...rest } = this.options;
    return optionsToConfig("momentum", rateInBuffer ? { ...this.options } : rest);
  }

  /**
   * Rebuilds from {@link getConfig}'s output (also reads `nesterov`, this key before 0.1.0;
   * a config without `rateInBuffer` has the rate outside the buffer).
   */
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
