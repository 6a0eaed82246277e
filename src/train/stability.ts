/**
 * Divergence and loss-spike bookkeeping, kept apart from the loop so it can be tested on
 * plain numbers.
 *
 * @module
 */

/** How many recent losses the spike detector compares against. */
const SPIKE_WINDOW = 20;
/** A loss more than this many times the recent median counts as a spike. */
const SPIKE_FACTOR = 2;

/** Watches the per-step losses of one run. */
export class LossMonitor {
  #initial = NaN;
  #recent: number[] = [];
  /** Steps whose loss exceeded {@link SPIKE_FACTOR} x the median of the last steps. */
  spikes = 0;

  /**
   * @param divergenceFactor a loss above this multiple of the first loss means divergence.
   */
  constructor(readonly divergenceFactor: number) {
    if (!(divergenceFactor > 1)) {
      throw new Error(`divergenceFactor must be > 1, got ${divergenceFactor}`);
    }
  }

  /** Records one step's loss; returns true when the run has diverged. */
  push(loss: number): boolean {
    if (!Number.isFinite(loss)) return true;
    if (Number.isNaN(this.#initial)) this.#initial = loss;
    if (this.#recent.length >= SPIKE_WINDOW / 2 && loss > SPIKE_FACTOR * median(this.#recent)) {
      this.spikes++;
    }
    this.#recent.push(loss);
    if (this.#recent.length > SPIKE_WINDOW) this.#recent.shift();
    return loss > this.divergenceFactor * this.#initial;
  }
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Folds the global gradient norms of a run's steps, in step order, into its stability
 * measures. Step 1's norm is the same for every method of a paired comparison (the same
 * initial weights and batch), so a maximum that includes it often measures the
 * initialization; the measures after the first update see what the method did.
 *
 * A non-finite norm (NaN or infinity) makes every maximum that covers its step Infinity.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { GradNormTracker } from "./stability.ts";
 * const t = new GradNormTracker();
 * for (const norm of [8, 2, 4, 3]) t.push(norm);
 * assertEquals([t.max, t.maxAfterFirst, t.growth], [8, 4, 0.5]);
 * ```
 */
export class GradNormTracker {
  #steps = 0;
  #first = NaN;
  #max = 0;
  #maxAfterFirst = 0;

  /** Records the global gradient norm of the next step. */
  push(norm: number): void {
    const value = Number.isFinite(norm) ? norm : Infinity;
    this.#steps++;
    if (this.#steps === 1) this.#first = value;
    else this.#maxAfterFirst = Math.max(this.#maxAfterFirst, value);
    this.#max = Math.max(this.#max, value);
  }

  /** Largest norm over every step, step 1 included (0 before the first step). */
  get max(): number {
    return this.#max;
  }

  /** Largest norm over steps 2 and later; NaN when the run did fewer than 2 steps. */
  get maxAfterFirst(): number {
    return this.#steps < 2 ? NaN : this.#maxAfterFirst;
  }

  /**
   * {@link maxAfterFirst} divided by step 1's norm: how far the norm grew after the first
   * update, free of the initialization's scale (comparable across depths and batch sizes).
   * NaN with fewer than 2 steps; Infinity when either norm was not finite (or step 1's was 0
   * and a later one was not).
   */
  get growth(): number {
    if (this.#steps < 2) return NaN;
    if (this.#first === Infinity || this.#maxAfterFirst === Infinity) return Infinity;
    return this.#maxAfterFirst / this.#first;
  }
}
