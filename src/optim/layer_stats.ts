/**
 * Per-tensor trust ratio and effective learning rate of an optimizer's last step, kept on
 * the device until someone asks; each step replaces the previous one. An optimizer built
 * without a recorder keeps nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor1D } from "../tf_types.ts";

/** One tensor's layer-wise numbers for the last step. */
export interface LayerStat {
  /** The parameter's variable name. */
  readonly name: string;
  /**
   * Its trust ratio (1 outside `trustRatioMask`); for LALC, and LARS with `trustClip`, the
   * unclipped `kappa*||w||/(||u||+eps)`.
   */
  readonly trustRatio: number;
  /** The learning rate it effectively got (the global rate outside `trustRatioMask`). */
  readonly learningRate: number;
}

interface Part {
  names: string[];
  trustRatio: Tensor1D;
  learningRate: Tensor1D;
}

/** Collects what layer-wise transforms computed during one step. */
export class LayerStatsRecorder {
  private names: string[] = [];
  private rate = NaN;
  private parts: Part[] = [];

  /** Starts a step over `names` with global rate `rate`, dropping the previous step's tensors. */
  begin(names: string[], rate: number): void {
    this.dispose();
    this.names = names;
    this.rate = rate;
  }

  /** Keeps `trustRatio` and `learningRate` (one entry per name) past the step's tidy. */
  record(names: string[], trustRatio: Tensor1D, learningRate: Tensor1D): void {
    this.parts.push({
      names,
      trustRatio: tf.keep(trustRatio),
      learningRate: tf.keep(learningRate),
    });
  }

  /** The last step's numbers for every tensor, in update order, with ONE read from the device. */
  async read(): Promise<LayerStat[]> {
    // Taken before the await: the next step's begin() may replace them meanwhile.
    const { names, rate, parts } = this;
    const byName = new Map<string, { trustRatio: number; learningRate: number }>();
    if (parts.length > 0) {
      // Kept: a caller inside a tf.tidy (a wrapped applyGradients in a training step) would
      // otherwise have it disposed when the tidy ends, before an asynchronous read (webgpu's)
      // has finished. Disposed below once read.
      const all = tf.keep(tf.concat(parts.flatMap((p) => [p.trustRatio, p.learningRate])));
      const values = await all.data();
      all.dispose();
      let offset = 0;
      for (const p of parts) {
        const k = p.names.length;
        p.names.forEach((name, i) => {
          byName.set(name, {
            trustRatio: values[offset + i],
            learningRate: values[offset + k + i],
          });
        });
        offset += 2 * k;
      }
    }
    return names.map((name) => ({
      name,
      ...(byName.get(name) ?? { trustRatio: 1, learningRate: rate }),
    }));
  }

  /** Frees the kept tensors. */
  dispose(): void {
    for (const p of this.parts) tf.dispose([p.trustRatio, p.learningRate]);
    this.parts = [];
  }
}
