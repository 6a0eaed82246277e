/**
 * The webgpu kernels of {@link BATCH_NORM_ACTIVATION_KERNEL} and its backward, in WGSL.
 *
 * tf.js runs one program per output, so each kernel is a few dispatches: forward, the
 * per-channel statistics `[2, C]` (one thread per channel, looping over the rows: mean,
 * then the centered variance, so large means do not cancel), the elementwise output, and
 * one small program per running statistic; backward, `dbeta` and `dgamma` (a thread per
 * channel), then `dx` and, with ReLU and a residual, `dz` elementwise. Without ReLU the
 * residual's gradient is `dy` itself, handed out by reference (no dispatch).
 *
 * Registered for `webgpu` at module load; nothing here loads the webgpu backend.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACTIVATION_GRAD_KERNEL,
  BATCH_NORM_ACTIVATION_KERNEL,
} from "../../kernel_names.ts";
import { registerOnce } from "../register.ts";
import { flatProgram, MAIN, runProgram, type WgslUniform } from "../webgpu.ts";
import { type BatchNormActivationAttrs, rowsAndChannels } from "./host.ts";

type Info = tf.TensorInfo;

const int = (value: number): WgslUniform => ({ type: "int32", data: [value] });
const float = (value: number): WgslUniform => ({ type: "float32", data: [value] });

/** Rows and channels as uniforms `n`, `c`. */
const SHAPE_UNIFORMS = "n : i32, c : i32,";

/** `[2, C]`: mean, then `1 / sqrt(biased variance + eps)`; one thread per channel. */
const STATS = `${MAIN} {
  let c = uniforms.c;
  if (index >= c) { return; }
  var sum = 0.0;
  for (var i = 0; i < uniforms.n; i = i + 1) { sum = sum + x[i * c + index]; }
  let mean = sum / f32(uniforms.n);
  var squares = 0.0;
  for (var i = 0; i < uniforms.n; i = i + 1) {
    let d = x[i * c + index] - mean;
    squares = squares + d * d;
  }
  result[index] = mean;
  result[c + index] = 1.0 / sqrt(squares / f32(uniforms.n) + uniforms.eps);
}`;

/** `y`, elementwise: the normalization, the optional residual and ReLU. */
function outputBody(residual: boolean, relu: boolean): string {
  return `${MAIN} {
  if (index >= uniforms.size) { return; }
  let c = uniforms.c;
  let j = index % c;
  var z = (x[index] - stats[j]) * (gamma[j] * stats[c + j]) + beta[j];
  ${residual ? "z = z + residual[index];" : ""}
  result[index] = ${relu ? "max(z, 0.0)" : "z"};
}`;
}

/** A running statistic: `momentum * old + (1 - momentum) * batch`, per channel. */
function movingBody(variance: boolean): string {
  // the variance is recovered from invStd: 1 / invStd² - eps
  const batch = variance
    ? "(1.0 / (stats[c + index] * stats[c + index]) - uniforms.eps) * uniforms.unbiased"
    : "stats[index]";
  return `${MAIN} {
  let c = uniforms.c;
  if (index >= c) { return; }
  result[index] = uniforms.momentum * old[index] + (1.0 - uniforms.momentum) * ${batch};
}`;
}

/** `dz` of one element: `dy`, masked by `y > 0` with ReLU. */
const dzOf = (relu: boolean, at: string) =>
  relu ? `select(0.0, dy[${at}], y[${at}] > 0.0)` : `dy[${at}]`;

/** `dbeta` (`gammaGrad` false) or `dgamma`, per channel. */
function reductionBody(relu: boolean, gammaGrad: boolean): string {
  const term = gammaGrad ? "dz * (x[k] - stats[index]) * stats[c + index]" : "dz";
  return `${MAIN} {
  let c = uniforms.c;
  if (index >= c) { return; }
  var sum = 0.0;
  for (var i = 0; i < uniforms.n; i = i + 1) {
    let k = i * c + index;
    let dz = ${dzOf(relu, "k")};
    sum = sum + ${term};
  }
  result[index] = sum;
}`;
}

/** `dx`, elementwise, from the per-channel `dbeta` and `dgamma`. */
function dxBody(relu: boolean): string {
  return `${MAIN} {
  if (index >= uniforms.size) { return; }
  let c = uniforms.c;
  let j = index % c;
  let invStd = stats[c + j];
  let xhat = (x[index] - stats[j]) * invStd;
  let nf = f32(uniforms.n);
  let dz = ${dzOf(relu, "index")};
  result[index] = gamma[j] * invStd * (dz - dbeta[j] / nf - xhat * dgamma[j] / nf);
}`;
}

/** `dz` of every element (the residual's gradient with ReLU). */
const DZ = `${MAIN} {
  if (index >= uniforms.size) { return; }
  result[index] = ${dzOf(true, "index")};
}`;

function forward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info[] {
  const inputs = args.inputs as unknown as Record<string, Info>;
  const { x, gamma, beta, movingMean, movingVariance, residual } = inputs;
  const { epsilon, momentum, relu } = args.attrs as unknown as BatchNormActivationAttrs;
  const { n, c } = rowsAndChannels(x.shape);
  const backend = args.backend;
  const shape = [int(n), int(c)];
  const stats = runProgram(
    backend,
    flatProgram("bnActStats", [2, c], ["x"], STATS, {
      threads: c,
      uniforms: `${SHAPE_UNIFORMS} eps : f32,`,
    }),
    [x],
    [...shape, float(epsilon)],
  );
  const withResidual = residual !== undefined;
  const names = ["x", "stats", "gamma", "beta", ...(withResidual ? ["residual"] : [])];
  const y = runProgram(
    backend,
    flatProgram(
      `bnActY_${+withResidual}${+relu}`,
      [...x.shape],
      names,
      outputBody(withResidual, relu),
      {
        uniforms: SHAPE_UNIFORMS,
      },
    ),
    [x, stats, gamma, beta, ...(withResidual ? [residual] : [])],
    shape,
  );
  const moving = (variance: boolean, old: Info) =>
    runProgram(
      backend,
      flatProgram(`bnActMoving_${+variance}`, [c], ["old", "stats"], movingBody(variance), {
        uniforms: `${SHAPE_UNIFORMS} eps : f32, momentum : f32, unbiased : f32,`,
      }),
      [old, stats],
      [...shape, float(epsilon), float(momentum), float(n > 1 ? n / (n - 1) : 1)],
    );
  return [y, stats, moving(false, movingMean), moving(true, movingVariance)];
}

function backward(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info[] {
  const { dy, x, y, gamma, stats } = args.inputs as unknown as Record<string, Info>;
  const { relu, residual } = args.attrs as unknown as { relu: boolean; residual: boolean };
  const { n, c } = rowsAndChannels(x.shape);
  const backend = args.backend;
  const shape = [int(n), int(c)];
  // WGSL drops the bindings a shader never reads, so each program binds only what it reads:
  // y only for the ReLU mask, x and stats only for dgamma.
  const named: Record<string, Info> = { dy, y, x, stats, gamma };
  const program = (key: string, outShape: number[], names: string[], body: string) =>
    runProgram(
      backend,
      flatProgram(key, outShape, names, body, { uniforms: SHAPE_UNIFORMS }),
      names.map((name) => named[name]),
      shape,
    );
  const mask = relu ? ["y"] : [];
  const reduce = (gammaGrad: boolean) =>
    program(
      `bnActReduce_${+relu}${+gammaGrad}`,
      [c],
      ["dy", ...mask, ...(gammaGrad ? ["x", "stats"] : [])],
      reductionBody(relu, gammaGrad),
    );
  const [dgamma, dbeta] = [reduce(true), reduce(false)];
  Object.assign(named, { dgamma, dbeta });
  const dx = program(
    `bnActDx_${+relu}`,
    [...x.shape],
    ["dy", ...mask, "x", "stats", "gamma", "dgamma", "dbeta"],
    dxBody(relu),
  );
  if (!residual) return [dx, dgamma, dbeta];
  if (!relu) {
    // dz is dy: share its data, as tf.js' own Identity kernel does
    (backend as unknown as { incRef(id: tf.DataId): void }).incRef(dy.dataId);
    return [dx, dgamma, dbeta, { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype }];
  }
  const dz = program("bnActDz", [...x.shape], ["dy", "y"], DZ);
  return [dx, dgamma, dbeta, dz];
}

registerOnce(BATCH_NORM_ACTIVATION_KERNEL, "webgpu", forward as unknown as tf.KernelFunc);
registerOnce(BATCH_NORM_ACTIVATION_GRAD_KERNEL, "webgpu", backward as unknown as tf.KernelFunc);
