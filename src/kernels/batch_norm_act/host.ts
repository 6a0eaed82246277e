/**
 * The host kernels (cpu, wasm, native) of {@link BATCH_NORM_ACTIVATION_KERNEL} and its
 * backward, as plain loops over the tensors' data (see ../host.ts). Each is two passes over
 * the full-size tensors: forward, the per-channel statistics then the normalized output;
 * backward, the per-channel reductions then `dx`. Channel constants are folded into float64
 * tables between the passes, so the inner loops are one multiply-add per element and hold
 * no data-dependent branch (ReLU is `(z + |z|) / 2`, its mask `+(y > 0)`).
 *
 * On `wasm` and `native` the four full-size loops run as wasm SIMD instead (./simd.ts), with
 * the same bits (simd_test.ts checks it); the tables then lie on the heap, and everything
 * else is this file's code either way. The JavaScript loops stay the reference, run on `cpu`
 * and wherever the SIMD ones do not apply (an odd channel count, no wasm SIMD).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  BATCH_NORM_ACTIVATION_KERNEL,
} from "../../kernel_names.ts";
import { float64Tables, type HostIO, hostIO, type OutputSpec } from "../host.ts";
import { registerOnHosts } from "../register.ts";
import { type BatchNormSimd, batchNormSimd } from "./simd.ts";

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

/** A kernel's arguments, as tf.js passes them. */
export interface HostKernelArgs {
  /** The inputs by name. */
  inputs: tf.NamedTensorInfoMap;
  /** `cpu`, `wasm` or `native`. */
  backend: tf.KernelBackend;
  /** The attributes. */
  attrs?: tf.NamedAttrMap;
}

/** The backward kernel's attributes: whether the forward had a ReLU, a residual. */
type BackwardAttrs = { relu: boolean; residual: boolean };

/** The per-channel float64 tables a kernel fills between its two passes (five either way). */
const TABLE_COUNT = 5;

/**
 * What a kernel body works with once its outputs are made: `outs` to fill, `n` rows and `c`
 * channels of `x`, `wasm` the SIMD loops (null: run the JavaScript ones), and `tables`,
 * {@link TABLE_COUNT} zeroed float64 tables of `c` each.
 */
interface Passes {
  io: HostIO;
  outs: tf.TensorInfo[];
  n: number;
  c: number;
  wasm: BatchNormSimd | null;
  tables: Float64Array[];
}

/**
 * The setup both kernels share, defined once so they cannot drift apart: for `x` (an input
 * of both) on `backend`, make the outputs (`outputs(c)`), choose the SIMD or the JavaScript
 * loops (`simd` as in {@link batchNormActivationHost}), and lend `body` the scratch tables,
 * freed however it ends.
 */
function runPasses(
  backend: tf.KernelBackend,
  x: Info,
  simd: boolean,
  outputs: (c: number) => OutputSpec[],
  body: (passes: Passes) => void,
): tf.TensorInfo[] {
  const { n, c } = rowsAndChannels(x.shape);
  const io = hostIO(backend);
  const outs = io.allocate(outputs(c));
  // After the outputs, before any view: the tables' block may grow the heap.
  const loops = simd ? batchNormSimd(io.heap, c) : null;
  // The SIMD loops read the tables from the heap, so the tables go there only for them;
  // where the heap has no room, they are plain arrays and the JavaScript loops run.
  const scratch = float64Tables(loops === null ? undefined : io.heap, TABLE_COUNT, c);
  try {
    body({ io, outs, n, c, wasm: scratch.onHeap ? loops : null, tables: scratch.tables });
  } finally {
    scratch.release();
  }
  return outs;
}

/**
 * The forward kernel; `simd: false` keeps the JavaScript loops even on a wasm heap (the
 * reference the SIMD loops are tested and timed against).
 */
export function batchNormActivationHost(args: HostKernelArgs, simd = true): tf.TensorInfo[] {
  const inputs = args.inputs as unknown as ForwardInputs;
  const attrs = args.attrs as unknown as BatchNormActivationAttrs;
  // y, then stats ([mean; invStd]), then the new running mean and variance.
  const outputs = (c: number) => [inputs.x.shape, [2, c], [c], [c]].map((shape) => ({ shape }));
  const body = (passes: Passes) => forwardBody(passes, attrs, inputs);
  return runPasses(args.backend, inputs.x, simd, outputs, body);
}

/** Forward, after the allocations: fills `outs`. */
function forwardBody(
  { io, outs, n, c, wasm, tables }: Passes,
  { epsilon, momentum, relu }: BatchNormActivationAttrs,
  { x, gamma, beta, movingMean, movingVariance, residual }: ForwardInputs,
): void {
  const xs = io.floats(x);
  // Sums of x minus the first row, so the variance's E[d²] - E[d]² does not cancel when
  // the mean is large against the spread; float64 keeps ~1e-16 of the sums.
  const [sum, sumSq, shift, scale, offset] = tables;
  for (let j = 0; j < c; j++) shift[j] = n > 0 ? xs[j] : 0;
  if (wasm !== null) wasm.sums(xs, n, shift, sum, sumSq);
  else {
    for (let i = 0; i < n; i++) {
      const row = i * c;
      for (let j = 0; j < c; j++) {
        const d = xs[row + j] - shift[j];
        sum[j] += d;
        sumSq[j] += d * d;
      }
    }
  }
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
  if (wasm !== null) {
    wasm.output(xs, rs, ys, n, { scale, offset }, { rw, linear, absolute });
    return;
  }
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const z = xs[row + j] * scale[j] + offset[j] + rw * rs[row + j];
      ys[row + j] = linear * z + absolute * Math.abs(z);
    }
  }
}

/** The backward kernel; `simd` as in {@link batchNormActivationHost}. */
export function batchNormActivationGradHost(args: HostKernelArgs, simd = true): tf.TensorInfo[] {
  const inputs = args.inputs as unknown as BackwardInputs;
  const attrs = args.attrs as unknown as BackwardAttrs;
  // dx, dgamma, dbeta, then dz (the residual's gradient) when there is a residual.
  const dz = attrs.residual ? [inputs.x.shape] : [];
  const outputs = (c: number) => [inputs.x.shape, [c], [c], ...dz].map((shape) => ({ shape }));
  const body = (passes: Passes) => backwardBody(passes, attrs, inputs);
  return runPasses(args.backend, inputs.x, simd, outputs, body);
}

/** Backward, after the allocations: fills `outs`. */
function backwardBody(
  { io, outs, n, c, wasm, tables }: Passes,
  { relu, residual }: BackwardAttrs,
  { dy, x, y, gamma, stats }: BackwardInputs,
): void {
  const [dys, xs, ys, g, st] = [dy, x, y, gamma, stats].map((t) => io.floats(t));
  const mean = Float64Array.from(st.subarray(0, c));
  const invStd = Float64Array.from(st.subarray(c, 2 * c));
  // sum(dz * xhat) = invStd * (sum(dz * x) - mean * sum(dz)), folded after the loop: float64
  // sums keep ~16 digits, so the subtraction loses nothing a float32 result would show
  // unless |mean| / std passes ~1e8.
  const [dbeta, dzx, a, bx, e] = tables;
  const dgamma = new Float64Array(c);
  const dzs = residual ? io.floats(outs[3]) : undefined;
  // The ReLU mask is +(y > 0) | pass: without ReLU, pass = 1 makes it 1 everywhere.
  const pass = relu ? 0 : 1;
  if (wasm !== null) wasm.gradSums({ dy: dys, y: ys, x: xs, dz: dzs }, n, dbeta, dzx, pass);
  else {
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
  }
  const [dxs, dg, db] = [io.floats(outs[0]), io.floats(outs[1]), io.floats(outs[2])];
  // dx = a * dz + b * x + e per channel: a = gamma * invStd, and the two corrections
  // folded: -a * (dbeta + xhat * dgamma) / n with xhat = (x - mean) * invStd.
  for (let j = 0; j < c; j++) {
    dgamma[j] = invStd[j] * (dzx[j] - mean[j] * dbeta[j]);
    dg[j] = dgamma[j];
    db[j] = dbeta[j];
    a[j] = g[j] * invStd[j];
    bx[j] = -a[j] * invStd[j] * dgamma[j] / n;
    e[j] = -a[j] * dbeta[j] / n - bx[j] * mean[j];
  }
  if (wasm !== null) {
    wasm.gradInput({ dy: dys, y: ys, x: xs, dx: dxs }, n, { a, bx, e }, pass);
    return;
  }
  for (let i = 0; i < n; i++) {
    const row = i * c;
    for (let j = 0; j < c; j++) {
      const k = row + j;
      const dz = dys[k] * (+(ys[k] > 0) | pass);
      dxs[k] = a[j] * dz + bx[j] * xs[k] + e[j];
    }
  }
}

registerOnHosts(
  BATCH_NORM_ACTIVATION_KERNEL,
  ((args: HostKernelArgs) => batchNormActivationHost(args)) as unknown as tf.KernelFunc,
);
registerOnHosts(
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  ((args: HostKernelArgs) => batchNormActivationGradHost(args)) as unknown as tf.KernelFunc,
);
