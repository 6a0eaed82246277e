/**
 * The attributes of the `MultiTensorUpdate` kernel (see `src/kernel_names.ts`) and the
 * per-tensor scalar arithmetic every backend shares: how a tensor's norms become its rate.
 *
 * @module
 */

/** The optimizers the kernel implements. */
export type UpdateMethod = "momentum" | "lalc" | "lars" | "lamb";

/** The optimizers' hyperparameters; each method reads its own (see {@link UpdateAttrs}). */
export interface UpdateHyper {
  /** `mu` of momentum, LALC and LARS. */
  readonly momentum: number;
  /** Nesterov's variant (momentum, LARS). */
  readonly nesterov: boolean;
  /**
   * Momentum SGD only: the rate scales the gradient BEFORE the trace (`f = -eta`, the step
   * is the new buffer), as the layer-wise methods' rate does, instead of the whole buffer
   * after it (`f = 1`, the step is `-eta` times the buffer).
   */
  readonly rateInBuffer: boolean;
  /** `lambda`: 0 turns weight decay off whatever the mask says. */
  readonly weightDecay: number;
  /** `kappa` (LALC, LARS; LAMB's is 1). */
  readonly trustCoefficient: number;
  /** LALC's floor as a fraction of the rate. */
  readonly minRatio: number;
  /** LALC's ceiling as a fraction of the rate. */
  readonly maxRatio: number;
  /** Added to `||u||` (LALC, LARS) or Adam's `eps` (LAMB). */
  readonly epsilon: number;
  /** LARS: the rate is `min(ratio, eta)`; LAMB: the ratio is `min(ratio, 1)`. */
  readonly trustClip: boolean;
  /** LAMB's first-moment decay. */
  readonly beta1: number;
  /** LAMB's second-moment decay. */
  readonly beta2: number;
}

/** Everything the kernel is told besides its tensors. */
export interface UpdateAttrs extends UpdateHyper {
  /** Which optimizer. */
  readonly method: UpdateMethod;
  /** The global rate `eta` of this step (the schedule's value). */
  readonly learningRate: number;
  /** The 0-based step (LAMB's bias correction). */
  readonly step: number;
  /** Per tensor: weight decay applies. */
  readonly decayMask: readonly boolean[];
  /** Per tensor: the layer-wise rate applies. */
  readonly trustMask: readonly boolean[];
}

/** Neutral values of the hyperparameters a method does not read. */
export const NEUTRAL_HYPER: UpdateHyper = Object.freeze({
  momentum: 0,
  nesterov: false,
  rateInBuffer: false,
  weightDecay: 0,
  trustCoefficient: 1,
  minRatio: 0,
  maxRatio: 1,
  epsilon: 0,
  trustClip: false,
  beta1: 0.9,
  beta2: 0.999,
});

/** Slot tensors per param: LAMB's two moments, else one momentum buffer. */
export function slotsPerParam(method: UpdateMethod): number {
  return method === "lamb" ? 2 : 1;
}

/** Checks the attrs against the input count `n`; returns `P`, the number of params. */
export function paramCount(attrs: UpdateAttrs, n: number): number {
  const perParam = 2 + slotsPerParam(attrs.method);
  const p = n / perParam;
  if (!Number.isInteger(p) || attrs.decayMask.length !== p || attrs.trustMask.length !== p) {
    throw new Error(
      `MultiTensorUpdate(${attrs.method}): ${n} inputs do not make P params, P grads and ` +
        `${perParam - 2}P slots with masks of length P (got ${attrs.decayMask.length}, ` +
        `${attrs.trustMask.length})`,
    );
  }
  return p;
}

/**
 * The factor `f` that multiplies tensor `i`'s direction `u` (`g` or `g + lambda*w`; LAMB's
 * Adam direction plus decay) before the momentum trace, or, for LAMB, the step `w += f*u`,
 * from `||w||` and `||u||` (read only where `trusted`). The same formulas, in the same
 * order, as the chains of `src/optim`:
 *
 * - momentum: `-eta` is applied after the trace instead, so `f = 1`; with `rateInBuffer`,
 *   `f = -eta` (see {@link stepFactor}).
 * - LALC: `local = kappa*||w||/(||u||+eps)`, `eta` when a norm is 0;
 *   `f = -min(max(local, minRatio*eta), maxRatio*eta)`.
 * - LARS: `ratio = kappa*||w||/(||u||+eps)`, 1 when a norm is 0; `f = -min(ratio, eta)`
 *   with `trustClip`, else `-eta*ratio`.
 * - LAMB: `ratio = ||w||/||u||`, 1 when a norm is 0, at most 1 with `trustClip`;
 *   `f = -eta*ratio`.
 * - an untrusted tensor: `f = -eta`.
 */
export function directionFactor(
  attrs: UpdateAttrs,
  trusted: boolean,
  wNorm: number,
  uNorm: number,
): number {
  const eta = attrs.learningRate;
  if (attrs.method === "momentum") return attrs.rateInBuffer ? -eta : 1;
  if (!trusted) return -eta;
  const zero = wNorm === 0 || uNorm === 0;
  switch (attrs.method) {
    case "lalc": {
      const local = zero ? eta : (wNorm * attrs.trustCoefficient) / (uNorm + attrs.epsilon);
      return -Math.min(Math.max(local, attrs.minRatio * eta), attrs.maxRatio * eta);
    }
    case "lars": {
      const ratio = zero ? 1 : (wNorm * attrs.trustCoefficient) / (uNorm + attrs.epsilon);
      return attrs.trustClip ? -Math.min(ratio, eta) : -eta * ratio;
    }
    case "lamb": {
      const raw = zero ? 1 : wNorm / uNorm;
      return -eta * (attrs.trustClip ? Math.min(raw, 1) : raw);
    }
  }
}

/**
 * The factor `post` of the momentum methods' step `w' = w + post * m'` (`m'` the new buffer;
 * Nesterov's `a + mu*m'`): `-eta` for momentum SGD, whose rate sits outside the buffer, else
 * 1 (the rate is already in the buffer: LALC, LARS, momentum SGD with `rateInBuffer`).
 */
export function stepFactor(attrs: UpdateAttrs): number {
  return attrs.method === "momentum" && !attrs.rateInBuffer ? -attrs.learningRate : 1;
}

/** LAMB's bias correction at `step`: `m_hat/(sqrt(v_hat)+eps) = m*scale/(sqrt(v)+epsHat)`. */
export function adamScales(attrs: UpdateAttrs): { scale: number; epsHat: number } {
  const bc1 = 1 - Math.pow(attrs.beta1, attrs.step + 1);
  const sqrtBc2 = Math.sqrt(1 - Math.pow(attrs.beta2, attrs.step + 1));
  return { scale: sqrtBc2 / bc1, epsHat: attrs.epsilon * sqrtBc2 };
}
