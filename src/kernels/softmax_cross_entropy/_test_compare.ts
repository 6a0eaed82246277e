/**
 * For the softmax cross-entropy tests (host ones and the webgpu child): loss and dlogits of
 * many `[B, K]` cases, fused and unfused, on the active backend. Tests only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setFusedKernels } from "../switch.ts";
import { softmaxCrossEntropy } from "./softmax_cross_entropy.ts";

/** One case: logits `[rows, classes]` of the given kind and its labels. */
export interface Case {
  /** B. */
  readonly rows: number;
  /** K. */
  readonly classes: number;
  /** `random`: N(0, 3) logits; `large`: +-80 (and 0), where a float32 `exp` overflows. */
  readonly kind: "random" | "large";
  /** Whether some labels are outside `[0, K)` (-1 and K). */
  readonly outOfRange: boolean;
}

/** The cases: B = 1 and others, K = 2..100, both kinds, labels in and out of range. */
export const CASES: readonly Case[] = [1, 3, 32].flatMap((rows) =>
  [2, 3, 7, 10, 64, 100].flatMap((classes) =>
    (["random", "large"] as const).flatMap((kind) =>
      [false, true].map((outOfRange) => ({ rows, classes, kind, outOfRange }))
    )
  )
);

/** Deterministic values of a case. */
function caseData(c: Case, seed: number): { logits: number[]; labels: number[] } {
  const logits = Array.from({ length: c.rows * c.classes }, (_, i) => {
    const s = Math.sin(seed * 7.1 + i * 1.37) * 43758.5453;
    const u = s - Math.floor(s);
    return c.kind === "random" ? 6 * (u - 0.5) : [80, -80, 0][Math.floor(u * 3)];
  });
  const labels = Array.from({ length: c.rows }, (_, r) => {
    if (c.outOfRange && r % 3 === 0) return r % 2 === 0 ? -1 : c.classes;
    return (r * 5 + seed) % c.classes;
  });
  return { logits, labels };
}

/** Loss and dlogits of one path. */
export interface LossAndGrad {
  /** The loss. */
  readonly loss: number;
  /** dloss/dlogits, flat. */
  readonly grad: number[];
}

/** Loss and dlogits of `c` on the active backend, fused or not. */
export async function lossAndGrad(c: Case, fused: boolean, seed = 1): Promise<LossAndGrad> {
  const { logits, labels } = caseData(c, seed);
  const x = tf.tensor2d(logits, [c.rows, c.classes]);
  const y = tf.tensor1d(labels, "int32");
  setFusedKernels(fused);
  try {
    const { value, grad } = tf.valueAndGrad((l: tf.Tensor) =>
      softmaxCrossEntropy(l as tf.Tensor2D, y)
    )(x);
    const out = { loss: (await value.data())[0], grad: Array.from(await grad.data()) };
    tf.dispose([value, grad]);
    return out;
  } finally {
    setFusedKernels(true);
    tf.dispose([x, y]);
  }
}

/**
 * Largest relative difference of `got` from `want`, each element's error divided by
 * `max(|want|, floor)`: the floor keeps an exactly-zero reference element (a gradient of a
 * row whose label is out of range, a softmax of 1e-70) from dividing by zero.
 */
export function maxRelative(got: readonly number[], want: readonly number[], floor: number) {
  if (got.length !== want.length) throw new Error(`lengths ${got.length} != ${want.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), floor));
  }
  return worst;
}

/** The worst relative differences of the loss and of the dlogits over {@link CASES}. */
export async function compareAll(): Promise<Worst> {
  let loss = 0, grad = 0;
  const exact = { loss: 0, grad: 0 };
  for (const c of CASES) {
    const fused = await lossAndGrad(c, true);
    const unfused = await lossAndGrad(c, false);
    loss = Math.max(loss, maxRelative([fused.loss], [unfused.loss], 1e-6));
    // The floor: the gradient's scale is 1/B (the label's entry, p - 1, is ~1/B) and the
    // unfused path's error is absolute at that scale: its `exp(logSoftmax) - 1` cancels
    // (wasm's float32 exp is off by ~1e-7, 1e-5 relative of a p - 1 of 0.01/B). Entries under
    // 10% of the scale are held to 1e-5 * 0.1/B absolute, not relative to their own size.
    grad = Math.max(grad, maxRelative(fused.grad, unfused.grad, 0.1 / c.rows));
    const truth = float64Reference(c);
    exact.loss = Math.max(exact.loss, maxRelative([fused.loss], [truth.loss], 1e-6));
    exact.grad = Math.max(exact.grad, maxRelative(fused.grad, truth.grad, 1e-3 / c.rows));
  }
  return { loss, grad, exact };
}

/** Worst relative differences: fused vs unfused, and fused vs the float64 truth. */
export interface Worst {
  /** Loss, fused vs unfused. */
  readonly loss: number;
  /** dlogits, fused vs unfused. */
  readonly grad: number;
  /** Fused vs {@link float64Reference}. */
  readonly exact: { loss: number; grad: number };
}

/** The loss and dlogits of `c` in float64 (from the float32-rounded logits). */
export function float64Reference(c: Case, seed = 1): LossAndGrad {
  const { logits, labels } = caseData(c, seed);
  const x = Float32Array.from(logits);
  const grad: number[] = [];
  let loss = 0;
  for (let r = 0; r < c.rows; r++) {
    const row = Array.from(x.subarray(r * c.classes, (r + 1) * c.classes));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    const valid = labels[r] >= 0 && labels[r] < c.classes;
    if (valid) loss += max + Math.log(sum) - row[labels[r]];
    for (let k = 0; k < c.classes; k++) {
      const p = Math.exp(row[k] - max) / sum;
      grad.push(valid ? (p - +(k === labels[r])) / c.rows : 0);
    }
  }
  return { loss: loss / c.rows, grad };
}
