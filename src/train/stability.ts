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
