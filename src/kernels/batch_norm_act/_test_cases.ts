/**
 * Test helper: one training step of {@link batchNormActivation} on the active backend, with
 * the fused kernels on or off, and the values a comparison needs (forward output, new
 * running statistics, gradients). Shared by the host test and the webgpu child script.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setFusedKernels } from "../switch.ts";
import { batchNormActivation } from "./op.ts";

/** One shape and option set. */
export interface BnCase {
  /** `[..., C]`. */
  readonly shape: number[];
  /** ReLU after the normalization. */
  readonly relu: boolean;
  /** With a residual input. */
  readonly residual: boolean;
}

/**
 * MLP and NHWC shapes, B = 1 and odd sizes, rows past 256 and past 1024, channels past 256,
 * ReLU on/off, with/without a residual.
 */
export const BN_CASES: BnCase[] = [
  [16, 12],
  [1, 5],
  [7, 3],
  [4, 6, 6, 8],
  [1, 3, 5, 7],
  [3, 5, 5, 2],
  // More rows than a webgpu channel workgroup has threads (256), not a multiple of them.
  [8, 9, 9, 3],
  [600, 4],
  // More rows than webgpu's one-dispatch bound (1024).
  [2, 24, 24, 3],
  // More channels than a webgpu workgroup of blocks has threads (256).
  [40, 260],
].flatMap((shape) =>
  [false, true].flatMap((relu) => [false, true].map((residual) => ({ shape, relu, residual })))
);

/** Names of {@link bnStep}'s outputs, in order. */
export const BN_OUTPUTS = [
  "y",
  "movingMean",
  "movingVariance",
  "dx",
  "dgamma",
  "dbeta",
  "dresidual",
] as const;

function seeded(shape: number[], seed: number, mean = 0, std = 1): tf.Tensor {
  return tf.randomNormal(shape, mean, std, "float32", seed);
}

/**
 * One forward and backward of `c` with the fused kernels `fused` (switch restored after):
 * values of {@link BN_OUTPUTS} (dresidual empty without a residual). Same seeds every call.
 */
export async function bnStep(c: BnCase, fused: boolean): Promise<Float32Array[]> {
  const channels = c.shape[c.shape.length - 1];
  const p = {
    gamma: tf.variable(tf.randomUniform([channels], 0.5, 2, "float32", 1)),
    beta: tf.variable(seeded([channels], 2)),
    movingMean: tf.variable(seeded([channels], 3), false),
    movingVariance: tf.variable(tf.randomUniform([channels], 0.5, 2, "float32", 4), false),
  };
  setFusedKernels(fused);
  try {
    const out = tf.tidy(() => {
      // offset and scaled, so that a cancelling variance formula would show
      const x = seeded(c.shape, 5, 3, 2);
      const residual = c.residual ? seeded(c.shape, 6) : tf.zeros([0]);
      const weights = seeded(c.shape, 7);
      let y: tf.Tensor | undefined;
      const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) => {
        y = tf.keep(
          batchNormActivation(xi, { ...p, gamma: g as tf.Variable, beta: b as tf.Variable }, {
            relu: c.relu,
            residual: c.residual ? r : undefined,
          }),
        );
        return tf.sum(tf.mul(y, weights));
      };
      const { grads } = c.residual ? { grads: tf.grads(f)([x, p.gamma, p.beta, residual]) } : {
        grads: [...tf.grads((a, b, d) => f(a, b, d, residual))([x, p.gamma, p.beta]), residual],
      };
      return [y!, p.movingMean, p.movingVariance, ...grads];
    });
    setFusedKernels(true);
    // read asynchronously: webgpu's synchronous read needs a canvas Deno lacks
    const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(out.filter((t) => !(t instanceof tf.Variable)));
    return values;
  } finally {
    setFusedKernels(true);
    tf.dispose([p.gamma, p.beta, p.movingMean, p.movingVariance]);
  }
}

/** max |a - b| / max |b| (0 for empty tensors). */
export function relativeDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Per output of {@link BN_OUTPUTS}, the largest relative difference fused vs unfused over all cases. */
export async function maxDifferences(
  cases: readonly BnCase[],
): Promise<Record<string, number>> {
  const worst: Record<string, number> = {};
  for (const c of cases) {
    const [fused, unfused] = [await bnStep(c, true), await bnStep(c, false)];
    BN_OUTPUTS.forEach((name, i) => {
      worst[name] = Math.max(worst[name] ?? 0, relativeDifference(fused[i], unfused[i]));
    });
  }
  return worst;
}
