/**
 * One pass over a BN-ReLU MLP's blocks that measures, per block and for one batch, the three
 * correlation measures of `measures.ts` and the statistics `prediction.ts` needs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Model } from "../models/types.ts";
import { BN_EPSILON } from "../models/batch_norm.ts";
import { centredCosine, gateAgreement, gateOpenFraction, varianceRetention } from "./measures.ts";
import type { BlockStatistics, NetworkStatistics } from "./prediction.ts";

/** One block's measures and prediction inputs. */
export interface BlockMeasures extends BlockStatistics {
  /** Mean pairwise centred cosine of the ReLU's inputs `u_l` (about `-1/(batch - 1)`). */
  readonly centredCosineMean: number;
  /** Root-mean-square pairwise centred cosine of `u_l`. */
  readonly centredCosineRms: number;
  /** Mean over units of `|2 p_j - 1|`. */
  readonly gateAgreement: number;
  /** Mean over units of `Var(relu(u_j)) / Var(u_j)`. */
  readonly varianceRetention: number;
  /** Mean over units of the gate-open fraction `p_j`. */
  readonly gateOpen: number;
  /**
   * `sum_j s_j^2 / sum_j shat_j^2`: the measured pre-BN variance over the one predicted with
   * uncorrelated input units (1 when the previous layer's units are uncorrelated).
   */
  readonly unitCorrelationFactor: number;
  /** Mean over units of `gamma_j^2`. */
  readonly gammaSquared: number;
}

/** {@link NetworkStatistics} with each block's measures. */
export interface NetworkMeasures extends NetworkStatistics {
  /** Blocks 1..D. */
  readonly blocks: readonly BlockMeasures[];
}

const FIELDS = [
  "centredCosineMean",
  "centredCosineRms",
  "gateAgreement",
  "varianceRetention",
  "gateOpen",
  "outputVariance",
  "backwardGain",
  "backwardGainFromRetention",
  "unitCorrelationFactor",
  "kernelGain",
  "gammaSquared",
] as const;

function variable(model: Model, name: string): tf.Variable {
  const v = model.params.find((p) => p.name === `${model.name}/${name}`);
  if (v === undefined) throw new Error(`model ${model.name} has no variable ${name}`);
  return v;
}

/**
 * Measures `model` (an MLP with BN and ReLU) on batch `x`, normalizing with the batch's own
 * statistics as a training step does. Reads nothing on the device but the results, touches
 * no running statistics and leaves no tensor behind.
 *
 * @example
 * ```ts ignore
 * const m = await measureNetwork(model, x);
 * console.log(m.blocks.map((b) => b.varianceRetention)); // ~0.341 each at initialization
 * ```
 */
export async function measureNetwork(model: Model, x: tf.Tensor): Promise<NetworkMeasures> {
  const { spec } = model;
  if (spec.kind !== "mlp" || spec.batchNorm === false || spec.activation === "linear") {
    throw new Error(`measureNetwork needs a BN-ReLU mlp, got ${JSON.stringify(spec)}`);
  }
  const kernels = model.layers.map((l) => l.kernel);
  const head = kernels[kernels.length - 1];
  const gammas = kernels.slice(0, -1).map((_, i) =>
    variable(model, `block${String(i + 1).padStart(2, "0")}/bn/gamma`)
  );
  const betas = kernels.slice(0, -1).map((_, i) =>
    variable(model, `block${String(i + 1).padStart(2, "0")}/bn/beta`)
  );
  const out = tf.tidy(() => {
    let h = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    let prevVar = tf.moments(h, 0).variance;
    const inputVariance = tf.sum(prevVar);
    const rows: tf.Tensor[] = [];
    for (let l = 0; l < gammas.length; l++) {
      const k = kernels[l] as tf.Tensor2D;
      const z = tf.matMul(h, k);
      const { mean, variance } = tf.moments(z, 0);
      // The pre-BN variance He's argument gives when the previous layer's units are uncorrelated.
      const fromRetention = tf.matMul(tf.reshape(prevVar, [1, -1]) as tf.Tensor2D, tf.square(k));
      const gamma = gammas[l];
      const u = tf.add(
        tf.mul(gamma, tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, BN_EPSILON)))),
        betas[l],
      ) as tf.Tensor2D;
      const hNext = tf.relu(u) as tf.Tensor2D;
      const hVar = tf.moments(hNext, 0).variance;
      const p = gateOpenFraction(u);
      const g2 = tf.square(gamma);
      const cos = centredCosine(u);
      const row = [
        tf.gather(cos, 0),
        tf.gather(cos, 1),
        gateAgreement(u),
        varianceRetention(u),
        tf.mean(p),
        tf.sum(hVar),
        tf.mean(tf.div(tf.mul(g2, p), tf.add(variance, BN_EPSILON))),
        tf.mean(tf.div(tf.mul(g2, p), tf.add(tf.reshape(fromRetention, [-1]), BN_EPSILON))),
        tf.div(tf.sum(variance), tf.sum(fromRetention)),
        tf.div(tf.sum(tf.square(k)), k.shape[1]),
        tf.mean(g2),
      ];
      rows.push(tf.stack(row.map((t) => tf.reshape(t, []))));
      h = hNext;
      prevVar = hVar;
    }
    const headGain = tf.div(tf.sum(tf.square(head)), head.shape[1] ?? 1);
    return { table: tf.stack(rows), scalars: tf.stack([inputVariance, headGain]) };
  });
  const [table, scalars] = await Promise.all([out.table.data(), out.scalars.data()]);
  tf.dispose([out.table, out.scalars]);
  const blocks: BlockMeasures[] = gammas.map((_, l) => {
    const entries = FIELDS.map((f, k) => [f, table[l * FIELDS.length + k]]);
    return Object.fromEntries(entries) as BlockMeasures;
  });
  return { inputVariance: scalars[0], blocks, headKernelGain: scalars[1] };
}
