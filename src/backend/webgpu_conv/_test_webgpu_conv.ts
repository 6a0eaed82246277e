/**
 * Child-process half of webgpu_conv_test.ts: runs the project's webgpu convolutions against
 * tf.js' `cpu` backend on many shapes (forward, input gradient, filter gradient), a small CNN
 * training step with the switch on and off, and a leak count; prints one JSON line, or
 * `{"adapter": null}` without a WebGPU adapter. A child process because lavapipe sometimes
 * crashes while a process that held a device exits (see src/backend/_test_webgpu_probe.ts).
 *
 * Run: `deno run --allow-read --allow-env src/backend/webgpu_conv/_test_webgpu_conv.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend.ts";
import { webgpuAdapterInfo } from "../webgpu.ts";
import { buildModel } from "../../models/build.ts";
import { momentum } from "../../optim/momentum.ts";
import { trainStep } from "../../train/step.ts";
import { splitsFor } from "./conv2d_backprop_filter.ts";
import { workgroupStorage } from "./conv_geometry.ts";
import { tileFor } from "./tiled_gemm.ts";
import { setWebgpuConv, type WebgpuConvKernels } from "./switch.ts";

/** A conv2d padding: tf.js' names or explicit NHWC pairs. */
export type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];

/** One convolution: x's and the filter's shapes, strides, padding. */
export interface ConvCase {
  /** Input shape, NHWC. */
  readonly x: [number, number, number, number];
  /** Filter shape [fH, fW, inC, outC]. */
  readonly filter: [number, number, number, number];
  /** Strides (one for both axes, or [h, w]). */
  readonly strides: number | [number, number];
  /** Padding. */
  readonly pad: Pad;
}

/** The shapes checked: filter sizes 1x1 to 5x5 and 1x3, strides 1 and 2, all paddings. */
export const CASES: readonly ConvCase[] = [
  { x: [2, 8, 8, 4], filter: [1, 1, 4, 8], strides: 1, pad: "valid" },
  { x: [2, 9, 9, 16], filter: [3, 3, 16, 16], strides: 1, pad: "same" },
  { x: [5, 9, 9, 4], filter: [3, 3, 4, 8], strides: 2, pad: "same" },
  { x: [1, 7, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: "valid" },
  { x: [2, 15, 15, 1], filter: [5, 5, 1, 4], strides: 1, pad: "same" },
  { x: [1, 7, 9, 17], filter: [1, 3, 17, 17], strides: 1, pad: "valid" },
  { x: [2, 9, 7, 4], filter: [3, 3, 4, 4], strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [5, 15, 15, 16], filter: [3, 3, 16, 32], strides: 2, pad: "valid" },
  { x: [1, 15, 9, 3], filter: [5, 5, 3, 16], strides: 2, pad: "same" },
  { x: [2, 8, 8, 64], filter: [3, 3, 64, 64], strides: 1, pad: "same" },
  { x: [1, 7, 7, 64], filter: [3, 3, 64, 17], strides: 1, pad: "same" },
  { x: [5, 9, 9, 17], filter: [1, 1, 17, 4], strides: 2, pad: "valid" },
  { x: [5, 15, 15, 1], filter: [3, 3, 1, 16], strides: 1, pad: "same" },
  { x: [2, 7, 15, 4], filter: [1, 3, 4, 16], strides: [1, 2], pad: "same" },
  { x: [1, 9, 9, 17], filter: [3, 3, 17, 3], strides: 2, pad: [[0, 0], [1, 1], [0, 2], [0, 0]] },
  { x: [5, 15, 15, 16], filter: [3, 3, 16, 16], strides: 1, pad: "same" },
  { x: [5, 16, 16, 32], filter: [3, 3, 32, 64], strides: 1, pad: "same" },
  // A ResNet's downsampling conv: even size, stride 2, "same" pads 0 on top, 1 below.
  { x: [2, 8, 8, 16], filter: [3, 3, 16, 32], strides: 2, pad: "same" },
  // K = 65,536 output pixels: on lavapipe tf.js' own webgpu filter gradient is wrong from
  // here on (0.19 relative; right at 32 x 32 x 32), ours is not.
  { x: [64, 32, 32, 4], filter: [3, 3, 4, 4], strides: 1, pad: "same" },
];

/** Worst error of one kernel over the cases, relative to the largest |reference|. */
export interface ConvErrors {
  /** `Conv2D`. */
  readonly forward: number;
  /** `Conv2DBackpropInput`. */
  readonly inputGrad: number;
  /** `Conv2DBackpropFilter`. */
  readonly filterGrad: number;
}

/** What the child prints. */
export interface WebgpuConvReport {
  /** The adapter, or null without one. */
  readonly adapter: string | null;
  /** Per case: the project's kernels vs cpu, tf.js' webgpu kernels vs cpu, filter splits. */
  readonly cases?: { label: string; project: ConvErrors; tfjs: ConvErrors; splits: number }[];
  /** Pipelines the project compiled (shader keys' prefixes, deduplicated). */
  readonly programs?: string[];
  /** The GEMM tiles (tileM x tileN) the project's pipelines used. */
  readonly tiles?: string[];
  /** A CNN's loss and parameters after 3 momentum steps, switch on vs off (relative). */
  readonly training?: { loss: number; params: number; lossProject: number; lossTfjs: number };
  /** A dilated conv (ours does not cover it: tf.js' runs) with the switch on, vs cpu. */
  readonly dilated?: number;
  /** Tensors alive after 5 forward+gradient rounds with ours minus before. */
  readonly leaked?: number;
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function label(c: ConvCase): string {
  const pad = typeof c.pad === "string" ? c.pad : JSON.stringify(c.pad.slice(1, 3));
  return `x[${c.x}] f[${c.filter}] s${c.strides} ${pad}`;
}

/** y, dx, dw of `c` on the active backend, with dy a fixed random tensor. */
async function run(c: ConvCase): Promise<Float32Array[]> {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(values(size(c.x), 1), c.x);
  const w = tf.tensor4d(values(size(c.filter), 2), c.filter);
  const y = tf.conv2d(x, w, c.strides, c.pad);
  const dy = tf.tensor(values(y.size, 3), y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy))
  )([x, w]);
  const out = [await y.data(), await dx.data(), await dw.data()] as Float32Array[];
  tf.dispose([x, w, y, dy, dx, dw]);
  return out;
}

function relative(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return got.length !== want.length ? Infinity : diff / (scale || 1);
}

function errors(got: Float32Array[], want: Float32Array[]): ConvErrors {
  return {
    forward: relative(got[0], want[0]),
    inputGrad: relative(got[1], want[1]),
    filterGrad: relative(got[2], want[2]),
  };
}

async function onWebgpu(kernels: WebgpuConvKernels, c: ConvCase): Promise<Float32Array[]> {
  await tf.setBackend("webgpu");
  setWebgpuConv(kernels);
  return await run(c);
}

/** Loss after 3 steps and the parameters, of a small CNN on webgpu with `kernels`. */
async function train(kernels: WebgpuConvKernels): Promise<{ loss: number; params: Float32Array }> {
  setWebgpuConv(kernels);
  const model = buildModel({ kind: "cnn", depth: 3, width: 8, seed: 1 }, [12, 12, 3], 10);
  const optimizer = momentum({ learningRate: 0.05, momentum: 0.9 });
  const x = tf.tensor4d(values(16 * 12 * 12 * 3, 5), [16, 12, 12, 3]);
  const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32");
  let loss = 0;
  for (let i = 0; i < 3; i++) {
    const step = trainStep(model, optimizer, x, labels);
    loss = (await step.loss.data())[0];
    tf.dispose([step.loss, step.norms]);
  }
  const parts = await Promise.all(model.params.map((p) => p.data() as Promise<Float32Array>));
  const params = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (params.set(p, at), at + p.length), 0);
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, labels]);
  return { loss, params };
}

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let report: WebgpuConvReport = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    const storage = workgroupStorage(tf.backend());
    const cases = [];
    for (const c of CASES) {
      const project = await onWebgpu("project", c);
      const tfjs = await onWebgpu("tfjs", c);
      await tf.setBackend("cpu");
      const cpu = await run(c);
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      const m = info.filterHeight * info.filterWidth * info.inChannels;
      const k = info.batchSize * info.outHeight * info.outWidth;
      cases.push({
        label: label(c),
        project: errors(project, cpu),
        tfjs: errors(tfjs, cpu),
        splits: splitsFor(m, info.outChannels, k, tileFor(m, info.outChannels, storage)),
      });
    }
    await tf.setBackend("webgpu");
    const cache = (tf.backend() as unknown as { pipelineCache: Record<string, unknown> })
      .pipelineCache;
    const programs = [
      ...new Set(
        Object.keys(cache).filter((key) => key.startsWith("projectConv")).map((key) =>
          key.split("_").slice(0, key.startsWith("projectConvGemm") ? 2 : 1).join("_")
        ),
      ),
    ].sort();
    const tiles = [
      ...new Set(
        Object.keys(cache).map((key) => key.match(/^projectConvGemm_.*?_(\d+x\d+)_/)?.[1]),
      ),
    ].filter((t) => t !== undefined).sort();
    const on = await train("project");
    const off = await train("tfjs");
    const training = {
      loss: Math.abs(on.loss - off.loss) / Math.abs(off.loss),
      params: relative(on.params, off.params),
      lossProject: on.loss,
      lossTfjs: off.loss,
    };
    const dilated = async () => {
      const x = tf.tensor4d(values(2 * 9 * 9 * 4, 1), [2, 9, 9, 4]);
      const w = tf.tensor4d(values(3 * 3 * 4 * 8, 2), [3, 3, 4, 8]);
      const y = tf.conv2d(x, w, 1, "same", "NHWC", 2);
      const out = await y.data() as Float32Array;
      tf.dispose([x, w, y]);
      return out;
    };
    setWebgpuConv("project");
    const dilatedWebgpu = await dilated();
    await tf.setBackend("cpu");
    const dilatedError = relative(dilatedWebgpu, await dilated());
    await tf.setBackend("webgpu");
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await run(CASES[15]);
    const leaked = tf.memory().numTensors - before;
    setWebgpuConv("tfjs");
    report = {
      adapter,
      cases,
      programs,
      tiles,
      training,
      leaked,
      dilated: dilatedError,
    };
  }
  console.log(JSON.stringify(report));
  // Leave at once: lavapipe's teardown can abort the process after the work is done.
  Deno.exit(0);
}
