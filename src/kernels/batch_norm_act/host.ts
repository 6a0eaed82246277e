/**
 * The host kernels (cpu, wasm, native) of {@link BATCH_NORM_ACTIVATION_KERNEL} and its
 * backward, as plain loops over the tensors' data (see ../host.ts). Each is two passes over
 * the full-size tensors: forward, the per-channel statistics then the normalized output;
 * backward, the per-channel reductions then `dx`. Channel constants are folded into float64
 * tables between the passes, so the inner loops are one multiply-add per element and hold
 * no data-dependent branch (ReLU is `(z + |z|) / 2`, its mask `+(y > 0)`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  BATCH_NORM_ACTIVATION_KERNEL,
} from "../../kernel_names.ts";
import { hostIO } from "../host.ts";
import { registerOnHosts } from "../register.ts";

/** Rows `n` (all axes but the last, multiplied) and channels `c` of `x`. */
export function rowsAndChannels(shape: readonly number[]): { n: number; c: number } {
  const c = shape[shape.length - 1];
  const size = tf.util.sizeFromShape([...shape]);
  return { n: c === 0 ? 0 : size / c, c };
}

/** The forward kernel's attributes. */
export interface BatchNormActivationAttrs {
  /** Added to the variance. */
  epsilon: number;
  /** Weight of the old running statistics. */
  momentum: number;
  /** Whether ReLU follows. */
  relu: boolean;
}

type Info = tf.TensorInfo;

/** The forward kernel's inputs. */
interface ForwardInputs {
  x: Info;
  gamma: Info;
  beta: Info;
  movingMean: Info;
  movingVariance: Info;
  residual?: Info;
}

/** The backward kernel's inputs. */
interface BackwardInputs {
  dy: Info;
  x: Info;
  y: Info;
  gamma: Info;
  stats: Info;
}

function forward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const { x, gamma, beta, movingMean, movingVariance, residual } = args
    .inputs as unknown as ForwardInputs;
  const { epsilon, momentum, relu } = args.attrs as unknown as BatchNormActivationAttrs;
  const { n, c } = rowsAndChannels(x.shape);
  const io = hostIO(args.backend);
  const outs = io.allocate([{ shape: x.shape }, { shape: [2, c] }, { shape: [c] }, {
    shape: [c],
  }]);
  const xs = io.floats(x);
  // Sums of x minus the first row, so the variance's E[d²] - E[d]² does not cancel when
  // the mean is large against the spread; float64 keeps ~1e-16 of the sums.
  const sum = new Float64Array(c), sumSq = new Float64Array(c), shift = new Float64Array(c);
  for (let j = 0; j < c; j++) shift[j] = n > 0 ? xs[j] : 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const d = xs[row + j] - shift[j];
      sum[j] += d;
      sumSq[j] += d * d;
    }
  }
  const scale = new Float64Array(c), offset = new Float64Array(c);
  const [stats, newMean, newVar] = [io.floats(outs[1]), io.floats(outs[2]), io.floats(outs[3])];
  const [g, b, mm, mv] = [gamma, beta, movingMean, movingVariance].map((t) => io.floats(t));
  const unbiased = n > 1 ? n / (n - 1) : 1;
  for (let j = 0; j < c; j++) {
    const meanShifted = sum[j] / n;
    const variance = Math.max(0, sumSq[j] / n - meanShifted * meanShifted);
    const mean = shift[j] + meanShifted;
    const invStd = 1 / Math.sqrt(variance + epsilon);
    stats[j] = mean;
    stats[c + j] = invStd;
    newMean[j] = momentum * mm[j] + (1 - momentum) * mean;
    newVar[j] = momentum * mv[j] + (1 - momentum) * variance * unbiased;
    scale[j] = g[j] * invStd;
    offset[j] = b[j] - mean * scale[j];
  }
  const ys = io.floats(outs[0]);
  // Without a residual, read x with weight 0 in its place, to keep one branch-free loop.
  const [rs, rw] = residual === undefined ? [xs, 0] : [io.floats(residual), 1];
  // y = linear * z + absolute * |z|: (z + |z|) / 2 with ReLU, z without.
  const [linear, absolute] = relu ? [0.5, 0.5] : [1, 0];
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const z = xs[row + j] * scale[j] + offset[j] + rw * rs[row + j];
      ys[row + j] = linear * z + absolute * Math.abs(z);
    }
  }
  return outs;
}

function backward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const { dy, x, y, gamma, stats } = args.inputs as unknown as BackwardInputs;
  const { relu, residual } = args.attrs as unknown as { relu: boolean; residual: boolean };
  const { n, c } = rowsAndChannels(x.shape);
  const io = hostIO(args.backend);
  const specs = [{ shape: x.shape }, { shape: [c] }, { shape: [c] }];
  const outs = io.allocate(residual ? [...specs, { shape: x.shape }] : specs);
  const [dys, xs, ys, g, st] = [dy, x, y, gamma, stats].map((t) => io.floats(t));
  const mean = Float64Array.from(st.subarray(0, c));
  const invStd = Float64Array.from(st.subarray(c, 2 * c));
  // sum(dz * xhat) = invStd * (sum(dz * x) - mean * sum(dz)), folded after the loop: float64
  // sums keep ~16 digits, so the subtraction loses nothing a float32 result would show
  // unless |mean| / std passes ~1e8.
  const dbeta = new Float64Array(c), dzx = new Float64Array(c), dgamma = new Float64Array(c);
  const dzs = residual ? io.floats(outs[3]) : undefined;
  // The ReLU mask is +(y > 0) | pass: without ReLU, pass = 1 makes it 1 everywhere.
  const pass = relu ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const k = row + j;
      const dz = dys[k] * (+(ys[k] > 0) | pass);
      if (dzs !== undefined) dzs[k] = dz;
      dbeta[j] += dz;
      dzx[j] += dz * xs[k];
    }
  }
  const [dxs, dg, db] = [io.floats(outs[0]), io.floats(outs[1]), io.floats(outs[2])];
  // dx = a * dz + b * x + e per channel: a = gamma * invStd, and the two corrections
  // folded: -a * (dbeta + xhat * dgamma) / n with xhat = (x - mean) * invStd.
  const a = new Float64Array(c), bx = new Float64Array(c), e = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    dgamma[j] = invStd[j] * (dzx[j] - mean[j] * dbeta[j]);
    dg[j] = dgamma[j];
    db[j] = dbeta[j];
    a[j] = g[j] * invStd[j];
    bx[j] = -a[j] * invStd[j] * dgamma[j] / n;
    e[j] = -a[j] * dbeta[j] / n - bx[j] * mean[j];
  }
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const k = row + j;
      const dz = dys[k] * (+(ys[k] > 0) | pass);
      dxs[k] = a[j] * dz + bx[j] * xs[k] + e[j];
    }
  }
  return outs;
}

registerOnHosts(BATCH_NORM_ACTIVATION_KERNEL, forward as unknown as tf.KernelFunc);
registerOnHosts(BATCH_NORM_ACTIVATION_GRAD_KERNEL, backward as unknown as tf.KernelFunc);
