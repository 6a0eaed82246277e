/**
 * Runs the project's tiled matrix product (shader.ts) for a `BatchMatMul` or `_FusedMatMul`
 * call on tf.js' webgpu backend, or says it does not cover the call (then the caller runs
 * tf.js' own kernel).
 *
 * Covered: float32 operands of rank >= 2 with equal batch sizes or one of them 1 (broadcast),
 * any M, N, K >= 1, either transpose, an optional bias broadcastable to the output over its
 * last two axes (and either all of its batch axes or none), and the activations `linear`,
 * `relu`, `relu6`, `sigmoid`. Not covered: `prelu` and `leakyrelu` (and any
 * `preluActivationWeights`), `elu`, int32, batch broadcasts other than against 1, empty
 * outputs, K = 0, and dispatches past the device's workgroup-count limit.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { runProgram, type WgslProgram, type WgslUniform } from "../../kernels/webgpu.ts";
import {
  type MatmulActivation,
  matmulShader,
  type MatmulShaderSpec,
  shaderKey,
  uniformFields,
} from "./shader.ts";
import { type MatmulTile, pickTile, tileCols, type TileName, tileRows, TILES } from "./tiles.ts";

/** One matrix product as tf.js' kernels receive it. */
export interface MatmulCall {
  readonly a: tf.TensorInfo;
  readonly b: tf.TensorInfo;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly bias?: tf.TensorInfo | null;
  readonly preluActivationWeights?: tf.TensorInfo | null;
  readonly activation?: string | null;
}

/** What this needs of tf.js' webgpu backend. */
interface WebgpuBackend extends tf.KernelBackend {
  device: { limits: { maxComputeWorkgroupsPerDimension: number } };
  incRef(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** The fields of tf.js' program our matmul sets beyond {@link WgslProgram}. */
interface MatmulProgram extends WgslProgram {
  /** Per input: 4 to bind it as `array<vec4<f32>>`, else 1. */
  variableComponents: number[];
  /** 4 to bind the output as `array<vec4<f32>>`, else 1. */
  outputComponent: number;
}

const ACTIVATIONS: readonly string[] = ["linear", "relu", "relu6", "sigmoid"];

/** How a covered call runs: shapes and the program's choices. */
export interface MatmulPlan {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** The output's shape as tf.js gives it (batch axes broadcast, then M, N). */
  readonly outShape: number[];
  /** The operands as rank-3 `[batch, rows, cols]` of their storage. */
  readonly a3d: [number, number, number];
  readonly b3d: [number, number, number];
  /** Bias strides over [batch, M, N] of the flat bias (0 where broadcast), or null. */
  readonly biasStrides: [number, number, number] | null;
  readonly spec: MatmulShaderSpec;
}

/** The bias' strides over the output's [batch, M, N], or undefined when not covered. */
function biasStrides(
  bias: tf.TensorInfo,
  outBatch: number[],
  m: number,
  n: number,
): [number, number, number] | undefined {
  const rank = outBatch.length + 2;
  if (bias.shape.length > rank) return undefined;
  const padded = [...new Array(rank - bias.shape.length).fill(1), ...bias.shape];
  const [bm, bn] = padded.slice(-2);
  const batchAxes = padded.slice(0, -2);
  if ((bm !== 1 && bm !== m) || (bn !== 1 && bn !== n)) return undefined;
  const batchBroadcast = batchAxes.every((d) => d === 1);
  if (!batchBroadcast && batchAxes.some((d, i) => d !== outBatch[i])) return undefined;
  return [batchBroadcast ? 0 : bm * bn, bm === 1 ? 0 : bn, bn === 1 ? 0 : 1];
}

/**
 * The plan for `call` with tile `tile` (the largest that fills the GPU when not given), or
 * null when the project's program does not cover it.
 */
export function planMatmul(
  call: MatmulCall,
  maxWorkgroupsPerDimension: number,
  tile?: MatmulTile,
): MatmulPlan | null {
  const { a, b, transposeA, transposeB } = call;
  const activation = call.activation ?? "linear";
  if (!ACTIVATIONS.includes(activation) || call.preluActivationWeights) return null;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  if (call.bias && call.bias.dtype !== "float32") return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const kA = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // Mismatched shapes: tf.js' own kernel raises its error.
  if (kA !== kB || m === 0 || n === 0 || kA === 0) return null;
  const k = kA;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  let outBatch: number[];
  try {
    outBatch = tf.broadcast_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
  } catch {
    return null;
  }
  const batch = Math.max(batchA, batchB);
  if ((batchA !== batchB && Math.min(batchA, batchB) !== 1) || batch === 0) return null;
  if (tf.util.sizeFromShape(outBatch) !== batch) return null;
  let strides: [number, number, number] | null = null;
  if (call.bias) {
    const s = biasStrides(call.bias, outBatch, m, n);
    if (s === undefined) return null;
    strides = s;
  }
  const t = tile ?? pickTile(batch, m, n);
  const dispatch = [Math.ceil(n / tileCols(t)), Math.ceil(m / tileRows(t)), batch];
  if (dispatch.some((d) => d > maxWorkgroupsPerDimension)) return null;
  const a3d: [number, number, number] = transposeA ? [batchA, k, m] : [batchA, m, k];
  const b3d: [number, number, number] = transposeB ? [batchB, n, k] : [batchB, k, n];
  return {
    batch,
    m,
    n,
    k,
    outShape: [...outBatch, m, n],
    a3d,
    b3d,
    biasStrides: strides,
    spec: {
      tile: t,
      transposeA,
      transposeB,
      vec4A: a3d[2] % 4 === 0,
      vec4B: b3d[2] % 4 === 0,
      vec4Out: n % 4 === 0,
      fitM: m % tileRows(t) === 0,
      fitN: n % tileCols(t) === 0,
      fitK: k % t.depth === 0,
      bias: strides !== null,
      activation: activation as MatmulActivation,
    },
  };
}

function program(plan: MatmulPlan): MatmulProgram {
  const { spec } = plan;
  const code = matmulShader(spec);
  const variableNames = spec.bias ? ["A", "B", "bias"] : ["A", "B"];
  return {
    outputShape: [plan.batch, plan.m, plan.n],
    shaderKey: shaderKey(spec),
    // y and z present: tf.js calls `main()` without a flat index (a 2-D tiled dispatch).
    dispatchLayout: { x: [2], y: [1], z: [0] },
    dispatch: [
      Math.ceil(plan.n / tileCols(spec.tile)),
      Math.ceil(plan.m / tileRows(spec.tile)),
      plan.batch,
    ],
    variableNames,
    variableComponents: [spec.vec4A ? 4 : 1, spec.vec4B ? 4 : 1, 1].slice(0, variableNames.length),
    outputComponent: spec.vec4Out ? 4 : 1,
    workgroupSize: [spec.tile.threadsX, spec.tile.threadsY, 1],
    uniforms: uniformFields(spec),
    getUserCode: () => code,
  };
}

/** A reshape on the webgpu backend: a new TensorInfo on the same data (disposed by caller). */
function reshape(backend: WebgpuBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** Runs `plan` for `call`; returns the output in tf.js' shape. */
export function runMatmul(
  backend: tf.KernelBackend,
  call: MatmulCall,
  plan: MatmulPlan,
): tf.TensorInfo {
  const gpu = backend as WebgpuBackend;
  const temps = [reshape(gpu, call.a, plan.a3d), reshape(gpu, call.b, plan.b3d)];
  const inputs = [...temps];
  const uniforms: WgslUniform[] = [];
  if (call.bias && plan.biasStrides) {
    const flat = reshape(gpu, call.bias, [tf.util.sizeFromShape(call.bias.shape)]);
    temps.push(flat);
    inputs.push(flat);
    for (const s of plan.biasStrides) uniforms.push({ type: "int32", data: [s] });
  }
  try {
    const out = runProgram(backend, program(plan), inputs, uniforms);
    temps.push(out);
    return reshape(gpu, out, plan.outShape);
  } finally {
    for (const t of temps) gpu.disposeData(t.dataId);
  }
}

/** The device's per-dimension workgroup limit. */
export function maxWorkgroupsPerDimension(backend: tf.KernelBackend): number {
  return (backend as WebgpuBackend).device.limits.maxComputeWorkgroupsPerDimension;
}

/** The tile named `name`. */
export function tileNamed(name: TileName): MatmulTile {
  return TILES[name];
}
