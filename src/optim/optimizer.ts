/**
 * The one adapter that turns a gradient-transformation chain into a real `tf.Optimizer`:
 * usable with `model.compile`, `minimize`, saved and restored with its slots.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { optionsFromConfig } from "./_config.ts";
import type { FusedUpdate } from "./fused_update.ts";
import type { LayerStat, LayerStatsRecorder } from "./layer_stats.ts";
import { applyIfFinite, type NonFinitePolicy, throwIfNonFinite } from "./non_finite.ts";
import { type GradientTransformation, setSlotName, slotName } from "./transform.ts";
import {
  type ConfigDict,
  type NamedTensorMap,
  OptimizerBase,
  type Tensor,
  type Variable,
} from "../tf_types.ts";

/** A named tensor, as tf.js's optimizers exchange weights (not exported by tfjs-core's index). */
export interface NamedTensor {
  /** Variable or slot name. */
  name: string;
  /** Its value. */
  tensor: Tensor;
}

/**
 * Whether `value` has `cls.prototype` in its prototype chain. Use it instead of `instanceof`
 * for tf.js optimizer classes: `tf.Optimizer`'s `Symbol.hasInstance` is a duck-type test that
 * every subclass inherits, so `instanceof ChainOptimizer` is true for any optimizer.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer, inheritsFrom } from "@lalc/large-batch";
 * import { momentum } from "@lalc/large-batch";
 * assertEquals(inheritsFrom(momentum({ learningRate: 0.1 }), ChainOptimizer), true);
 * assertEquals(inheritsFrom({}, ChainOptimizer), false);
 * await useBackend("cpu");
 * const sgd = tf.train.sgd(0.1);
 * assertEquals(sgd instanceof ChainOptimizer, true); // tf.Optimizer's duck-typed hasInstance
 * assertEquals(inheritsFrom(sgd, ChainOptimizer), false);
 * ```
 */
export function inheritsFrom<T>(
  value: unknown,
  cls: abstract new (...args: never[]) => T,
): value is T {
  return typeof value === "object" && value !== null &&
    Object.prototype.isPrototypeOf.call(cls.prototype, value);
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i]);
}

/** What a subclass hands the adapter besides the chain. */
export interface ChainOptimizerParts {
  /** The global rate as a function of the step (used only for layer statistics). */
  readonly rate?: (step: number) => number;
  /** Set when the optimizer records layer statistics. */
  readonly recorder?: LayerStatsRecorder;
  /** What a step with a NaN or Inf gradient does (see {@link NonFinitePolicy}). Default "apply". */
  readonly nonFinite?: NonFinitePolicy;
  /**
   * The chain's arithmetic as one multi-tensor kernel (needs `rate`): used instead of the
   * chain where it applies (see {@link FusedUpdate.applies}), `nonFinite` is "apply" and no
   * layer statistics are recorded.
   */
  readonly fused?: FusedUpdate;
}

/**
 * A `tf.Optimizer` that applies a {@link GradientTransformation}: each step runs
 * `transform.update(grads, state, params, iterations)` inside one `tf.tidy` and adds the
 * result to the parameters. Slots are made on the first step that sees a parameter; slot
 * values persist by canonical name (`${param}/<slot>`), so `setWeights` before the first step,
 * a changed variable list, or a skipped (null) gradient keep each tensor's state.
 *
 * A bare `ChainOptimizer` cannot be serialized (its chain is code); the named optimizers
 * (`lalc`, `lars`, `lamb`, `momentum`) subclass it with a config and a registered className.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "@lalc/large-batch/backend";
 * import { ChainOptimizer } from "@lalc/large-batch";
 * import { chain } from "@lalc/large-batch";
 * import { trace } from "@lalc/large-batch";
 * import { scaleByLearningRate } from "@lalc/large-batch";
 * await useBackend("cpu");
 * const opt = new ChainOptimizer(chain(trace({ decay: 0.9 }), scaleByLearningRate(0.1)));
 * const w = tf.variable(tf.ones([2]));
 * opt.minimize(() => tf.sum(tf.square(w))); // gradient 2w = 2: velocity 2, w = 1 - 0.1 * 2
 * opt.minimize(() => tf.sum(tf.square(w))); // gradient 1.6: velocity 1.6 + 0.9 * 2 = 3.4
 * assertEquals([...await w.data()].map((v) => Math.round(v * 1e6) / 1e6), [0.46, 0.46]);
 * assertEquals(opt.iterations, 2);
 * ```
 */
export class ChainOptimizer extends OptimizerBase {
  /** Name used by tf.js serialization (not registered: a bare chain has no config). */
  static get className(): string {
    return "ChainOptimizer";
  }

  /** The transformation this optimizer applies. */
  readonly transform: GradientTransformation;
  private readonly parts: ChainOptimizerParts;
  private params: Variable[] = [];
  private state: Variable[] = [];
  private readonly slots = new Map<string, Variable>();
  /** Names of the slots restored by setWeights, in saved order, until the next step binds them. */
  private restored: string[] | null = null;
  /** Steps skipped for a non-finite gradient (made on the first guarded step; int32 scalar). */
  private skipped: Variable | null = null;

  /** Wraps `transform`; `parts` are for subclasses. */
  constructor(transform: GradientTransformation, parts: ChainOptimizerParts = {}) {
    super();
    this.transform = transform;
    this.parts = parts;
  }

  /**
   * The global learning rate (the schedule's value) this optimizer applies at the 0-based
   * `step`; NaN for a bare chain built without a rate.
   */
  learningRateAt(step: number): number {
    return this.parts.rate?.(step) ?? NaN;
  }

  /**
   * Applies one step. Accepts a map from variable name to gradient or a list of
   * `{name, tensor}` (what `minimize` with a `varList` passes); variables are found by name in
   * the engine's registry, as tf.js's own optimizers do. Null gradients are skipped. An
   * optimizer with a fused form (`parts.fused`) runs the whole step as one multi-tensor kernel
   * where that applies; otherwise, and always with `setFusedKernels(false)`, the chain.
   */
  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const params: Variable[] = [];
    const grads: Tensor[] = [];
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = registered[name];
      if (variable === undefined) {
        throw new Error(
          `${this.getClassName()}.applyGradients: no registered variable named "${name}"; ` +
            `gradients must be keyed by Variable names`,
        );
      }
      params.push(variable);
      grads.push(grad);
    }
    const step = this.iterations;
    const policy = this.parts.nonFinite ?? "apply";
    const fused = this.parts.fused;
    const rate = this.parts.rate;
    if (
      params.length > 0 && fused !== undefined && rate !== undefined && policy === "apply" &&
      this.parts.recorder === undefined && fused.applies(params, grads)
    ) {
      const state = this.stateFor(params);
      tf.tidy(() => fused.apply(params, grads, state, step, rate(step)));
    } else if (params.length > 0) {
      if (policy === "throw") throwIfNonFinite(this.getClassName(), params, grads, step);
      const state = this.stateFor(params);
      this.parts.recorder?.begin(params.map((p) => p.name), this.parts.rate?.(step) ?? NaN);
      const computeUpdates = () => this.transform.update(grads, state, params, step);
      if (policy === "skip") {
        this.skipped ??= tf.tidy(() => tf.variable(tf.scalar(0, "int32"), false));
        const count = this.skipped;
        tf.tidy(() => applyIfFinite(grads, params, state, count, computeUpdates));
      } else {
        tf.tidy(() => {
          const updates = computeUpdates();
          const inputs = new Set(grads);
          params.forEach((p, i) => {
            p.assign(tf.add(p, updates[i]));
            if (!inputs.has(updates[i])) updates[i].dispose();
          });
        });
      }
    }
    this.incrementIterations();
  }

  /**
   * How many steps were skipped because a gradient held a NaN or an Inf (one device read);
   * always 0 unless the optimizer was built with `nonFinite: "skip"`. Counts from
   * construction: the count is not part of `getWeights`.
   */
  async nonFiniteSteps(): Promise<number> {
    return this.skipped === null ? 0 : (await this.skipped.data())[0];
  }

  /**
   * The slots for `params`: by canonical name (`${param}/<slot>`) when one exists, else, on
   * the first step after {@link setWeights}, by position as tf.js's own optimizers restore
   * theirs (a model loaded in the same process gets renamed variables, `..._1`, so the saved
   * names cannot match), else fresh zeros.
   */
  private stateFor(params: Variable[]): Variable[] {
    if (params.length === this.params.length && params.every((p, i) => p === this.params[i])) {
      return this.state;
    }
    const fresh = this.transform.init(params);
    const names = fresh.map(slotName);
    const state: Array<Variable | undefined> = names.map((name, k) => {
      const existing = this.slots.get(name);
      return existing !== undefined && sameShape(existing, fresh[k]) ? existing : undefined;
    });
    const restored = this.restored;
    this.restored = null;
    if (restored !== null) {
      const pending = new Set(restored);
      const byName = state.filter((v) => v !== undefined && pending.has(slotName(v))).length;
      const positional = byName === 0 && restored.length === fresh.length &&
        restored.every((name, k) => sameShape(this.slots.get(name)!, fresh[k]));
      if (positional) {
        restored.forEach((name, k) => {
          const variable = this.slots.get(name)!;
          this.slots.delete(name);
          setSlotName(variable, names[k]);
          state[k] = variable;
        });
      } else if (byName === 0) {
        // Nothing restored fits these parameters: stale state, as tf.js would not keep it.
        for (const name of restored) {
          this.slots.get(name)?.dispose();
          this.slots.delete(name);
        }
      }
    }
    const resolved = fresh.map((v, k) => {
      const kept = state[k];
      if (kept !== undefined) {
        v.dispose();
        return kept;
      }
      this.slots.get(names[k])?.dispose(); // a same-named slot of another shape
      return v;
    });
    // The current parameters' slots first, in chain order: getWeights then lists them in the
    // order a positional restore expects.
    const others = [...this.slots].filter(([name]) => !names.includes(name));
    this.slots.clear();
    names.forEach((name, k) => this.slots.set(name, resolved[k]));
    for (const [name, v] of others) this.slots.set(name, v);
    this.params = params.slice();
    this.state = resolved;
    return resolved;
  }

  /**
   * The per-tensor trust ratio and effective learning rate of the LAST step only (one device
   * read): each step replaces the previous step's numbers, so to follow every step call it
   * after each step (as `src/suite/layer_rates.ts` does, every few steps). Rejects unless the
   * optimizer was built with `recordLayerStats: true`. A step skipped for a non-finite
   * gradient (`nonFinite: "skip"`) still records what it computed (NaN where the gradient was).
   */
  layerStats(): Promise<LayerStat[]> {
    const recorder = this.parts.recorder;
    if (recorder === undefined) {
      return Promise.reject(
        new Error(
          `${this.getClassName()}.layerStats: recordLayerStats is false; build the optimizer with recordLayerStats: true`,
        ),
      );
    }
    return recorder.read();
  }

  /** Frees the slots and any recorded statistics. */
  override dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
    this.restored = null;
    this.params = [];
    this.state = [];
    this.parts.recorder?.dispose();
    this.skipped?.dispose();
    this.skipped = null;
    super.dispose();
  }

  /** `[iterations, ...slots]`, slots under their canonical `${param}/<slot>` names. */
  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.slots].map(([name, tensor]) => ({ name, tensor }));
    return [await this.saveIterations(), ...slots];
  }

  /**
   * Restores what {@link getWeights} returned: the iteration count and the slots, which
   * replace this optimizer's own. On the next step each parameter takes the slot saved under
   * its name; when none matches (a model loaded in the same process has renamed variables)
   * and the saved list lines up with the parameters (same count and shapes), slots are taken
   * by position, as tf.js's own optimizers do. Saved slots that fit neither way are dropped.
   * So the next step is bit-identical to the original optimizer's.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    // Copy first: the values may be this optimizer's own slots (setWeights(await getWeights())).
    const restored = rest.map(({ name, tensor }) => {
      const variable = tf.variable(tensor, false);
      setSlotName(variable, name);
      return [name, variable] as const;
    });
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
    for (const [name, variable] of restored) this.slots.set(name, variable);
    this.restored = rest.map((w) => w.name);
    // Re-resolve on the next step so the restored slots replace any made before.
    this.params = [];
    this.state = [];
  }

  /**
   * Rebuilds a named optimizer from its config: `new cls(options)`, with the learning rate
   * and the masks decoded from their describable forms (an `exclude` of an older config
   * becomes the two masks it meant).
   */
  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: ConfigDict,
  ): T {
    return new cls(optionsFromConfig(config));
  }

  /** A bare chain has no describable config; the named optimizers override this. */
  getConfig(): ConfigDict {
    throw new Error(
      `${this.getClassName()}.getConfig: a bare ChainOptimizer cannot be serialized; ` +
        `use lalc, lars, lamb or momentum (or a subclass with its own getConfig)`,
    );
  }
}
