/**
 * The per-layer gradient ratio that a BN-ReLU MLP's measured activation statistics predict:
 * the sqrt(pi / (pi - 1)) argument of the explosion at initialization, with every quantity
 * it assumes replaced by its measured value. The derivation is in docs/mechanism.md.
 *
 * Block `l` (1-based) computes `z_l = h_{l-1} K_l`, `u_l = BN(z_l)`, `h_l = relu(u_l)`.
 * The ratio of the kernel-gradient norms of blocks `l` and `l + 1` is predicted as
 *
 * `r_l^2 = (V_{l-1} / V_l) * A_l * C_{l+1}`,
 *
 * - `V_l = sum_j Var(h_{l,j})`: the total batch variance of block `l`'s output (`V_0`: the
 *   input's), which the kernel gradient sees once BN's backward pass has removed the batch mean
 *   of the gradient;
 * - `A_l = mean_j gamma_j^2 p_j / (s_j^2 + eps)`: BN's backward gain (`gamma / std` of the
 *   pre-BN unit, squared) times the fraction `p_j` of samples whose ReLU gate lets the
 *   gradient through;
 * - `C_{l+1} = ||K_{l+1}||_F^2 / n_{l+1}`: the mean squared column norm of the next kernel
 *   (2 for He initialization), the gain of the backward matrix product.
 *
 * With the pre-BN variance `s_j^2` measured directly this is the `measured-variance`
 * prediction. The `retention` prediction instead builds it from the previous layer, as He's
 * argument does: `s_j^2 = sum_i K_{l,ij}^2 rho_i Var(u_{l-1,i})`, with `rho_i` ReLU's
 * variance retention, which assumes the units of `h_{l-1}` uncorrelated. At initialization
 * (`gamma = 1`, `p = 1/2`, `rho = 1/2 - 1/(2 pi)`, `C = 2`) both give sqrt(pi / (pi - 1)).
 *
 * @module
 */

/** One block's statistics over a batch (see the module doc for the symbols). */
export interface BlockStatistics {
  /** `V_l`: sum over units of the batch variance of the block's output `h_l`. */
  readonly outputVariance: number;
  /** `A_l` with the measured pre-BN variance `s_j^2`. */
  readonly backwardGain: number;
  /** `A_l` with `s_j^2` predicted from the previous layer's retention and this kernel. */
  readonly backwardGainFromRetention: number;
  /** `C_l = ||K_l||_F^2 / n_l` of this block's kernel. */
  readonly kernelGain: number;
}

/** Everything the prediction needs for one network and one batch. */
export interface NetworkStatistics {
  /** `V_0`: sum over input features of their batch variance. */
  readonly inputVariance: number;
  /** Blocks 1..D in forward order. */
  readonly blocks: readonly BlockStatistics[];
  /** `C_{D+1}` of the classifier's kernel. */
  readonly headKernelGain: number;
}

/** Which pre-BN variance the prediction uses (see the module doc). */
export type PredictionKind = "measured-variance" | "retention";

/**
 * Predicted ratios `norm_l / norm_{l+1}` of consecutive kernel-gradient norms, indexed like
 * `layerRatios` (entry `i` compares block `i + 1` with block `i + 2`); the last entry, block
 * D against the classifier (no BN after it), is not predicted and is NaN.
 *
 * @example
 * ```ts
 * import { predictedRatios } from "./prediction.ts";
 * // He initialization's statistics: p = 1/2, rho = 1/2 - 1/(2 pi), gamma = 1, C = 2.
 * const rho = 0.5 - 1 / (2 * Math.PI);
 * const block = {
 *   outputVariance: 256 * rho,
 *   backwardGain: 0.5 / (2 * rho),
 *   backwardGainFromRetention: 0.5 / (2 * rho),
 *   kernelGain: 2,
 * };
 * const r = predictedRatios({
 *   inputVariance: 256 * rho,
 *   blocks: [block, block, block],
 *   headKernelGain: 2,
 * }, "retention");
 * if (Math.abs(r[1] - Math.sqrt(Math.PI / (Math.PI - 1))) > 1e-12) throw new Error("wrong");
 * ```
 */
export function predictedRatios(stats: NetworkStatistics, kind: PredictionKind): number[] {
  const { blocks } = stats;
  const out: number[] = [];
  for (let i = 0; i < blocks.length; i++) {
    if (i === blocks.length - 1) {
      out.push(NaN);
      continue;
    }
    const before = i === 0 ? stats.inputVariance : blocks[i - 1].outputVariance;
    const gain = kind === "retention"
      ? blocks[i].backwardGainFromRetention
      : blocks[i].backwardGain;
    out.push(Math.sqrt((before / blocks[i].outputVariance) * gain * blocks[i + 1].kernelGain));
  }
  return out;
}
