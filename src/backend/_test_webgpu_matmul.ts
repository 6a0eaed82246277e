/**
 * Child-process half of the project's webgpu matmul test (webgpu_matmul_test.ts): runs many
 * matrix products with the project's program, forced onto each of its tiles, and with tf.js'
 * own webgpu kernel, compares them with tf.js' cpu backend and with a float64 reference, and
 * prints one JSON line (`{"adapter": null}` without a WebGPU adapter). A child process for
 * the lavapipe teardown crash described in `_test_webgpu_probe.ts`.
 *
 * Run: `deno run --allow-read --allow-env src/backend/_test_webgpu_matmul.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "./backend.ts";
import { randomData } from "./_test_compare.ts";
import { type Curve, deepTrainingCurve } from "./_test_deep_training.ts";
import { webgpuAdapterInfo } from "./webgpu.ts";
import {
  setWebgpuMatmul,
  setWebgpuMatmulTiling,
  webgpuMatmulRuns,
  type WebgpuMatmulTiling,
} from "./webgpu_matmul.ts";

/** One product: `act(op(a) x op(b) + bias)`. */
export interface MatmulCase {
  readonly name: string;
  readonly a: number[];
  readonly b: number[];
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  readonly bias?: number[];
  readonly activation?: "linear" | "relu" | "relu6" | "sigmoid" | "prelu";
  /** The project's program does not cover it: tf.js' kernel must run it. */
  readonly fallback?: boolean;
}

const mm = (m: number, k: number, n: number, extra: Partial<MatmulCase> = {}): MatmulCase => {
  const ta = extra.transposeA ?? false;
  const tb = extra.transposeB ?? false;
  return {
    name: `${m}x${k}x${n}${ta ? " tA" : ""}${tb ? " tB" : ""}`,
    a: ta ? [k, m] : [m, k],
    b: tb ? [n, k] : [k, n],
    ...extra,
  };
};

/** The cases: edges of every tile, odd and vec4-able layouts, batches, fused extras. */
export const CASES: readonly MatmulCase[] = [
  mm(1, 1, 1),
  mm(7, 13, 5),
  mm(31, 17, 33),
  mm(63, 63, 63),
  mm(64, 64, 64),
  mm(65, 65, 65),
  mm(127, 33, 129),
  mm(128, 32, 128),
  mm(256, 48, 128),
  mm(1000, 3, 200),
  mm(37, 1, 41),
  mm(5, 2048, 3),
  mm(16, 2048, 16),
  ...[false, true].flatMap((ta) =>
    [false, true].flatMap((tb) => [
      mm(33, 19, 21, { transposeA: ta, transposeB: tb }),
      mm(32, 16, 36, { transposeA: ta, transposeB: tb }),
    ])
  ),
  { name: "batched [3,17,33]x[3,33,9]", a: [3, 17, 33], b: [3, 33, 9] },
  { name: "broadcast [1,20,12]x[4,12,8]", a: [1, 20, 12], b: [4, 12, 8] },
  { name: "broadcast [4,20,12]x[12,8]", a: [4, 20, 12], b: [12, 8] },
  { name: "rank 4 [2,3,8,5]x[2,3,5,6] tB", a: [2, 3, 8, 5], b: [2, 3, 6, 5], transposeB: true },
  { name: "fused bias [N] relu", a: [45, 30], b: [30, 70], bias: [70], activation: "relu" },
  { name: "fused bias [1] linear", a: [45, 30], b: [30, 70], bias: [1], activation: "linear" },
  { name: "fused bias [M,1] relu6", a: [45, 30], b: [30, 70], bias: [45, 1], activation: "relu6" },
  {
    name: "fused bias [M,N] sigmoid",
    a: [20, 8],
    b: [8, 12],
    bias: [20, 12],
    activation: "sigmoid",
  },
  {
    name: "fused batched bias [3,1,9] relu tA",
    a: [3, 33, 17],
    b: [3, 33, 9],
    transposeA: true,
    bias: [3, 1, 9],
    activation: "relu",
  },
  { name: "fused relu, no bias, 64x40x64", a: [64, 40], b: [40, 64], activation: "relu" },
  {
    name: "fused prelu (tf.js fallback)",
    a: [9, 6],
    b: [6, 10],
    bias: [10],
    activation: "prelu",
    fallback: true,
  },
];

const size = (s: number[]) => s.reduce((p, q) => p * q, 1);

/** The inputs of case `i`: a, b, and the bias and prelu weights when it has them. */
function inputs(c: MatmulCase, i: number): { data: Float32Array; shape: number[] }[] {
  const out = [
    { data: randomData(size(c.a), 100 + 3 * i), shape: c.a },
    { data: randomData(size(c.b), 101 + 3 * i), shape: c.b },
  ];
  if (c.bias) out.push({ data: randomData(size(c.bias), 102 + 3 * i), shape: c.bias });
  if (c.activation === "prelu") out.push({ data: randomData(1, 7), shape: [1] });
  return out;
}

function product(c: MatmulCase, xs: tf.Tensor[]): tf.Tensor {
  const [a, b, bias, prelu] = xs;
  const transposeA = c.transposeA ?? false;
  const transposeB = c.transposeB ?? false;
  if (c.activation === undefined && c.bias === undefined) {
    return tf.matMul(a, b, transposeA, transposeB);
  }
  return tf.fused.matMul({
    a,
    b,
    transposeA,
    transposeB,
    bias,
    activation: c.activation,
    preluActivationWeights: c.activation === "prelu" ? prelu : undefined,
  });
}

/** The float64 reference, from the same float32 inputs. */
export function reference(c: MatmulCase, data: Float32Array[]): Float64Array {
  const [a, b, bias, prelu] = data;
  const ta = c.transposeA ?? false;
  const tb = c.transposeB ?? false;
  const [ra, rb] = [c.a.length, c.b.length];
  const m = ta ? c.a[ra - 1] : c.a[ra - 2];
  const k = ta ? c.a[ra - 2] : c.a[ra - 1];
  const n = tb ? c.b[rb - 2] : c.b[rb - 1];
  const batchA = size(c.a.slice(0, -2));
  const batchB = size(c.b.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  // The bias as [batch or 1, M or 1, N or 1] (the cases' biases are of that kind).
  const bs = c.bias ? [...new Array(3 - Math.min(3, c.bias.length)).fill(1), ...c.bias] : [];
  for (let p = 0; p < batch; p++) {
    const pa = batchA === 1 ? 0 : p;
    const pb = batchB === 1 ? 0 : p;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = a[pa * m * k + (ta ? q * m + i : i * k + q)];
          const bv = b[pb * k * n + (tb ? j * k + q : q * n + j)];
          s += av * bv;
        }
        if (bias) {
          const bp = bs[0] === 1 ? 0 : p;
          const bi = bs[1] === 1 ? 0 : i;
          const bj = bs[2] === 1 ? 0 : j;
          s += bias[(bp * bs[1] + bi) * bs[2] + bj];
        }
        if (c.activation === "relu") s = Math.max(s, 0);
        if (c.activation === "relu6") s = Math.min(Math.max(s, 0), 6);
        if (c.activation === "sigmoid") s = 1 / (1 + Math.exp(-s));
        if (c.activation === "prelu") s = s < 0 ? s * prelu[0] : s;
        out[(p * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

/** max |got - want| / max |want|. */
export function relative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / (scale || 1);
}

/** The tilings each case runs with. */
const TILINGS: readonly WebgpuMatmulTiling[] = [
  "32x32",
  "64x64",
  "128x128",
  "128x128-k8",
  "auto",
];

/** Per case, what the child measured. */
export interface CaseReport {
  readonly name: string;
  /** Worst over the project's tilings: vs tf.js cpu, vs float64. */
  readonly projectVsCpu: number;
  readonly projectVsFloat64: number;
  /** tf.js' webgpu kernel vs float64, and tf.js cpu vs float64 (what float32 gives). */
  readonly tfjsVsFloat64: number;
  readonly cpuVsFloat64: number;
  /** The project's program runs, per tiling of {@link TILINGS} (0: tf.js' kernel ran). */
  readonly runs: number[];
  /** The output's shape on webgpu equals cpu's. */
  readonly sameShape: boolean;
}

/** What the child prints. */
export interface WebgpuMatmulReport {
  readonly adapter: string | null;
  readonly cases?: CaseReport[];
  /** Tensors alive after 20 project products minus before. */
  readonly leaked?: number;
  /** A depth-2 MLP's momentum steps with tf.js' kernel and with the project's (32x32). */
  readonly training?: { tfjs: Curve; project: Curve; projectRuns: number };
  readonly seconds?: number;
}

async function runCases(): Promise<CaseReport[]> {
  await useBackend("cpu");
  const cpu: { values: Float32Array; shape: number[] }[] = [];
  const truth: Float64Array[] = [];
  for (const [i, c] of CASES.entries()) {
    const ins = inputs(c, i);
    const xs = ins.map((x) => tf.tensor(x.data, x.shape));
    const y = product(c, xs);
    cpu.push({ values: (await y.data()) as Float32Array, shape: y.shape });
    truth.push(reference(c, ins.map((x) => x.data)));
    tf.dispose([...xs, y]);
  }
  await useBackend("webgpu");
  const reports: CaseReport[] = [];
  for (const [i, c] of CASES.entries()) {
    const ins = inputs(c, i);
    const xs = ins.map((x) => tf.tensor(x.data, x.shape));
    let projectVsCpu = 0;
    let projectVsFloat64 = 0;
    let sameShape = true;
    const runs: number[] = [];
    try {
      setWebgpuMatmul("project");
      for (const tiling of TILINGS) {
        setWebgpuMatmulTiling(tiling);
        const before = webgpuMatmulRuns();
        const y = product(c, xs);
        const got = await y.data();
        runs.push(webgpuMatmulRuns() - before);
        sameShape &&= y.shape.join() === cpu[i].shape.join();
        projectVsCpu = Math.max(projectVsCpu, relative(got, cpu[i].values));
        projectVsFloat64 = Math.max(projectVsFloat64, relative(got, truth[i]));
        y.dispose();
      }
      setWebgpuMatmul("tfjs");
      const y = product(c, xs);
      const tfjsVsFloat64 = relative(await y.data(), truth[i]);
      y.dispose();
      reports.push({
        name: c.name,
        projectVsCpu,
        projectVsFloat64,
        tfjsVsFloat64,
        cpuVsFloat64: relative(cpu[i].values, truth[i]),
        runs,
        sameShape,
      });
    } finally {
      setWebgpuMatmul("tfjs");
      setWebgpuMatmulTiling("auto");
      tf.dispose(xs);
    }
  }
  return reports;
}

async function leakedBy20Products(): Promise<number> {
  const a = tf.tensor(randomData(40 * 24, 1), [40, 24]);
  const b = tf.tensor(randomData(24 * 36, 2), [24, 36]);
  const bias = tf.tensor(randomData(36, 3), [36]);
  const before = tf.memory().numTensors;
  setWebgpuMatmul("project");
  setWebgpuMatmulTiling("32x32");
  try {
    for (let i = 0; i < 10; i++) {
      const y = tf.matMul(a, b, false, false);
      const z = tf.fused.matMul({ a, b, bias, activation: "relu" });
      await z.data();
      tf.dispose([y, z]);
    }
    return tf.memory().numTensors - before;
  } finally {
    setWebgpuMatmul("tfjs");
    setWebgpuMatmulTiling("auto");
    tf.dispose([a, b, bias]);
  }
}

async function training(): Promise<WebgpuMatmulReport["training"]> {
  setWebgpuMatmul("tfjs");
  const tfjs = await deepTrainingCurve("webgpu", "mlp", 2, 3);
  setWebgpuMatmul("project");
  // The MLP's products are tiny: forced onto a tile so that the project's program runs them.
  setWebgpuMatmulTiling("32x32");
  const before = webgpuMatmulRuns();
  try {
    const project = await deepTrainingCurve("webgpu", "mlp", 2, 3);
    return { tfjs, project, projectRuns: webgpuMatmulRuns() - before };
  } finally {
    setWebgpuMatmul("tfjs");
    setWebgpuMatmulTiling("auto");
  }
}

if (import.meta.main) {
  const start = performance.now();
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let report: WebgpuMatmulReport = { adapter };
  if (adapter !== null) {
    const cases = await runCases();
    const leaked = await leakedBy20Products();
    report = {
      adapter,
      cases,
      leaked,
      training: await training(),
      seconds: (performance.now() - start) / 1000,
    };
  }
  console.log(JSON.stringify(report));
  // Leave at once: the lavapipe teardown is what crashes, and nothing is left to do.
  Deno.exit(0);
}
