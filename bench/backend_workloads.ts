/**
 * Reference training workloads on tf.js vs PyTorch (CPU) and numpy's matmul, in one run so the
 * numbers are comparable as ratios on a shared machine.
 *
 * - W1: MLP, 16 Linear(256)-BN-ReLU blocks, 784 inputs, batch 256.
 * - W2: CNN, 6 Conv3x3(32)-BN-ReLU blocks, 2x2 max-pool after blocks 2 and 4, batch 128,
 *   28x28x1 inputs, global mean, Linear(10).
 *
 * Each step: forward, softmax cross-entropy, tf.variableGrads, SGD momentum 0.9 update.
 *
 * Usage: deno run --allow-read --allow-env --allow-run=python3 bench/backend_workloads.ts \
 *   [--backend wasm] [--steps 20] [--no-peer] [--python /usr/bin/python3]
 *   [--numpy-python python3]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { backendInfo, type BackendName, useBackend } from "../src/backend/backend.ts";

/** Forward matmul FLOPs per sample of W1 (2 per multiply-add); training costs 3x this. */
export const W1_FORWARD_FLOPS = 2 * (784 * 256 + 15 * 256 * 256 + 256 * 10);

interface Net {
  params: tf.Variable[];
  forward(x: tf.Tensor): tf.Tensor2D;
  xShape: number[];
  batch: number;
}

let seed = 1;
function he(shape: number[], fanIn: number, name: string): tf.Variable {
  return tf.tidy(() =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", seed++), true, name)
  );
}

function bnRelu(x: tf.Tensor, axes: number[], gamma: tf.Variable, beta: tf.Variable): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes);
  return tf.relu(tf.batchNorm(x, mean, variance, beta, gamma, 1e-5));
}

function w1(): Net {
  const params: tf.Variable[] = [];
  const blocks: [tf.Variable, tf.Variable, tf.Variable][] = [];
  for (let i = 0; i < 16; i++) {
    const fanIn = i === 0 ? 784 : 256;
    const k = he([fanIn, 256], fanIn, `w1/b${i}/kernel`);
    const g = tf.variable(tf.ones([256]), true, `w1/b${i}/gamma`);
    const b = tf.variable(tf.zeros([256]), true, `w1/b${i}/beta`);
    blocks.push([k, g, b]);
    params.push(k, g, b);
  }
  const head = he([256, 10], 256, "w1/head/kernel");
  const bias = tf.variable(tf.zeros([10]), true, "w1/head/bias");
  params.push(head, bias);
  return {
    params,
    xShape: [256, 784],
    batch: 256,
    forward: (x) => {
      let h = x;
      for (const [k, g, b] of blocks) {
        h = bnRelu(tf.matMul(h as tf.Tensor2D, k as tf.Tensor2D), [0], g, b);
      }
      return tf.add(tf.matMul(h as tf.Tensor2D, head as tf.Tensor2D), bias) as tf.Tensor2D;
    },
  };
}

function w2(): Net {
  const params: tf.Variable[] = [];
  const blocks: [tf.Variable, tf.Variable, tf.Variable][] = [];
  for (let i = 0; i < 6; i++) {
    const inC = i === 0 ? 1 : 32;
    const k = he([3, 3, inC, 32], 9 * inC, `w2/b${i}/kernel`);
    const g = tf.variable(tf.ones([32]), true, `w2/b${i}/gamma`);
    const b = tf.variable(tf.zeros([32]), true, `w2/b${i}/beta`);
    blocks.push([k, g, b]);
    params.push(k, g, b);
  }
  const head = he([32, 10], 32, "w2/head/kernel");
  const bias = tf.variable(tf.zeros([10]), true, "w2/head/bias");
  params.push(head, bias);
  return {
    params,
    xShape: [128, 28, 28, 1],
    batch: 128,
    forward: (x) => {
      let h = x as tf.Tensor4D;
      blocks.forEach(([k, g, b], i) => {
        h = bnRelu(tf.conv2d(h, k as tf.Tensor4D, 1, "same"), [0, 1, 2], g, b) as tf.Tensor4D;
        if (i === 1 || i === 3) h = tf.maxPool(h, 2, 2, "valid");
      });
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, head as tf.Tensor2D), bias) as tf.Tensor2D;
    },
  };
}

/** Times `steps` SGD-momentum steps (after one warm-up); returns samples per second. */
export async function timeWorkload(net: Net, steps: number): Promise<number> {
  const x = tf.randomNormal(net.xShape, 0, 1, "float32", 7);
  const labels = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([net.batch], 0, 10, "int32", 8) as tf.Tensor1D, 10)
  );
  const optimizer = tf.train.momentum(0.01, 0.9);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar,
        net.params,
      );
      optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
      return value;
    });
  (await step().data()) && undefined;
  const start = performance.now();
  let last: tf.Scalar | undefined;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last!.data();
  const seconds = (performance.now() - start) / 1000;
  last!.dispose();
  optimizer.dispose();
  tf.dispose([x, labels, ...net.params]);
  return (steps * net.batch) / seconds;
}

async function python(exe: string, args: string[]): Promise<Record<string, unknown> | string> {
  try {
    const out = await new Deno.Command(exe, { args, stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) return new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)!;
    return JSON.parse(text.split("\n").at(-1)!);
  } catch (e) {
    return (e as Error).message;
  }
}

const NUMPY = "import numpy as np, time, json\n" +
  "a = np.random.rand(1024, 1024).astype(np.float32); b = a.copy(); a @ b\n" +
  "t = time.perf_counter()\nfor _ in range(20): a @ b\n" +
  "print(json.dumps({'gflops': 20 * 2 * 1024**3 / (time.perf_counter() - t) / 1e9}))";

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", default: "wasm" },
      steps: { type: "string", default: "20" },
      "no-peer": { type: "boolean", default: false },
      // Debian's python3-torch lives in /usr/bin/python3's site-packages.
      python: { type: "string", default: "python3" },
      // numpy with OpenBLAS (the machine's float32 ceiling); Debian's numpy uses generic BLAS.
      "numpy-python": { type: "string", default: "python3" },
    },
  });
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`--steps: got "${values.steps}"; allowed: an integer >= 1`);
  }
  await useBackend(values.backend as BackendName);
  const report: Record<string, unknown> = { backend: backendInfo(), steps };
  for (const [name, make] of [["W1", w1], ["W2", w2]] as const) {
    const tfjs = await timeWorkload(make(), steps);
    const row: Record<string, unknown> = { tfjsSamplesPerSec: tfjs };
    if (!values["no-peer"]) {
      const torch = await python(values.python, ["bench/pytorch_peer.py", name, String(steps)]);
      row.torch = torch;
      if (typeof torch === "object") row.ratioVsTorch = tfjs / (torch.samplesPerSec as number);
    }
    if (name === "W1") row.tfjsGflops = (tfjs * 3 * W1_FORWARD_FLOPS) / 1e9;
    report[name] = row;
  }
  if (!values["no-peer"]) {
    const numpy = await python(values["numpy-python"], ["-c", NUMPY]);
    report.numpyMatmul1024 = numpy;
    const w1row = report.W1 as Record<string, number>;
    if (typeof numpy === "object") {
      w1row.fractionOfNumpyCeiling = w1row.tfjsGflops / (numpy.gflops as number);
    }
  }
  console.log(JSON.stringify(report, null, 2));
}
