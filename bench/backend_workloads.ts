/**
 * Reference training workloads on tf.js vs PyTorch (CPU) and numpy's matmul, in one run so the
 * numbers are comparable as ratios on a shared machine.
 *
 * - W1: `buildModel({kind: "mlp", depth: 16, width: 256})`: 16 Dense(256, no bias)-BN-ReLU
 *   blocks on 28x28x1 (784) inputs, Dense(10) with bias; batch 256.
 * - W2: `buildModel({kind: "cnn", depth: 6, width: 32})`: 6 Conv3x3(32, same, no bias)-BN-ReLU
 *   blocks, 2x2 max-pool after blocks 2 and 4, global average pool, Dense(10); batch 128.
 *
 * Each step is the project's `trainStep` (forward, cross-entropy, tf.variableGrads, per-layer
 * gradient norms) with `momentum({learningRate: 0.01, momentum: 0.9})`; bench/pytorch_peer.py
 * builds the same networks and step in PyTorch.
 *
 * The peer runs on as many threads as this machine has cores (`torch.set_num_threads`), and
 * its BLAS is whatever `/usr/lib/x86_64-linux-gnu/libblas.so.3` resolves to (Debian's
 * python3-torch links the generic libblas.so.3; with only the reference BLAS it is ~6x
 * slower on W1): the report names it (`peerBlas`). The machine's sgemm rate is measured in
 * the same run with OpenBLAS' `cblas_sgemm` through FFI (1024³, `--threads` threads), and
 * W1's rate is reported as a fraction of it.
 *
 * Usage (`deno task bench:workloads` runs the first line with the default backend):
 *   deno run --allow-read --allow-env --allow-run=python3 --allow-ffi=<the native libraries>
 *     bench/backend_workloads.ts [--backend native|wasm|...] [--threads N] [--steps 20]
 *     [--also wasm]
 *     [--no-peer] [--python /usr/bin/python3] [--numpy-python python3]
 * (--allow-run must name both pythons when they differ, e.g. --allow-run=python3,/usr/bin/python3)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import {
  backendInfo,
  type BackendName,
  defaultBackend,
  useBackend,
} from "../src/backend/backend.ts";
import { loadNativeLibs } from "../src/backend/native_ffi.ts";
import { buildModel } from "../src/models/build.ts";
import type { ModelSpec } from "../src/models/types.ts";
import { momentum } from "../src/optim/momentum.ts";
import { type StepTensors, trainStep } from "../src/train/step.ts";

/** Forward matmul FLOPs per sample of W1 (2 per multiply-add); training costs 3x this. */
export const W1_FORWARD_FLOPS = 2 * (784 * 256 + 15 * 256 * 256 + 256 * 10);

/** The reference workloads. */
export const WORKLOADS = ["W1", "W2"] as const;

/** One of {@link WORKLOADS}. */
export type WorkloadName = typeof WORKLOADS[number];

const SPECS: Record<WorkloadName, { spec: ModelSpec; batch: number }> = {
  W1: { spec: { kind: "mlp", depth: 16, width: 256, seed: 1 }, batch: 256 },
  W2: { spec: { kind: "cnn", depth: 6, width: 32, seed: 1 }, batch: 128 },
};

/** A workload ready to step: the real model, optimizer and one fixed batch. */
export interface Workload {
  /** Samples per step. */
  readonly batch: number;
  /** Runs one training step; the previous step's outputs are freed. */
  step(): Promise<void>;
  /** Waits for the last step's loss (wasm runs synchronously; other backends may not). */
  finish(): Promise<number>;
  /** Frees the model, optimizer and batch. */
  dispose(): void;
}

/**
 * Builds `name` with the project's `buildModel`, `momentum` (rate 0.01, mu 0.9) and
 * `trainStep` on 28x28x1 inputs and 10 classes.
 */
export function makeWorkload(name: WorkloadName): Workload {
  const { spec, batch } = SPECS[name];
  const model = buildModel(spec, [28, 28, 1], 10);
  const optimizer = momentum({ learningRate: 0.01, momentum: 0.9 });
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 7);
  const labels = tf.randomUniform([batch], 0, 10, "int32", 8) as tf.Tensor1D;
  let last: StepTensors | undefined;
  return {
    batch,
    step: () => {
      if (last !== undefined) tf.dispose([last.loss, last.norms]);
      last = trainStep(model, optimizer, x, labels);
      return Promise.resolve();
    },
    finish: async () => (await last!.loss.data())[0],
    dispose: () => {
      if (last !== undefined) tf.dispose([last.loss, last.norms]);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, labels]);
    },
  };
}

/** Times `steps` training steps of `name` (after one warm-up); returns samples per second. */
export async function timeWorkload(name: WorkloadName, steps: number): Promise<number> {
  const w = makeWorkload(name);
  try {
    await w.step();
    await w.finish();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await w.step();
    await w.finish();
    return (steps * w.batch) / ((performance.now() - start) / 1000);
  } finally {
    w.dispose();
  }
}

async function python(
  exe: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, unknown> | string> {
  try {
    const out = await new Deno.Command(exe, { args, env, stderr: "piped" }).output();
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

/** Where `libblas.so.3` (the peer's BLAS on Debian) resolves to, or why unknown. */
export function systemBlas(): string {
  try {
    return Deno.realPathSync("/usr/lib/x86_64-linux-gnu/libblas.so.3");
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

/**
 * GFLOP/s of OpenBLAS' `cblas_sgemm` on 1024³ through FFI, on the threads last set with
 * `useBackend("native", { threads })`; null without the native libraries.
 */
export function sgemmGflops(reps = 10): number | null {
  const libs = loadNativeLibs();
  if (typeof libs === "string") return null;
  const n = 1024;
  const a = new Float32Array(n * n).map((_, i) => (i % 7) / 7);
  const c = new Float32Array(n * n);
  const run = () => libs.blas.cblas_sgemm(101, 111, 111, n, n, n, 1, a, n, a, n, 0, c, n);
  run();
  const start = performance.now();
  for (let i = 0; i < reps; i++) run();
  return (reps * 2 * n ** 3) / ((performance.now() - start) / 1000) / 1e9;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      backend: { type: "string" },
      // Also time another backend (e.g. wasm) in the same run, for a same-run ratio.
      also: { type: "string" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
      steps: { type: "string", default: "20" },
      "no-peer": { type: "boolean", default: false },
      // Debian's python3-torch lives in /usr/bin/python3's site-packages.
      python: { type: "string", default: "/usr/bin/python3" },
      // numpy with OpenBLAS (the machine's float32 ceiling); Debian's numpy uses generic BLAS.
      "numpy-python": { type: "string", default: "python3" },
    },
  });
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`--steps: got "${values.steps}"; allowed: an integer >= 1`);
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`--threads: got "${values.threads}"; allowed: an integer >= 1`);
  }
  await useBackend((values.backend as BackendName | undefined) ?? await defaultBackend(), {
    threads,
  });
  const peerThreads = navigator.hardwareConcurrency;
  const report: Record<string, unknown> = {
    backend: backendInfo(),
    steps,
    peerBlas: systemBlas(),
    peerThreads,
  };
  const sgemm = sgemmGflops();
  report.sgemmGflops1024 = sgemm;
  for (const name of WORKLOADS) {
    const tfjs = await timeWorkload(name, steps);
    const row: Record<string, unknown> = { tfjsSamplesPerSec: tfjs };
    if (values.also !== undefined) {
      // Another backend on the same workload, right after: a ratio from one run.
      await useBackend(values.also as BackendName, { threads });
      const other = await timeWorkload(name, steps);
      await useBackend((report.backend as { name: BackendName }).name, {
        threads,
      });
      row.also = { backend: values.also, samplesPerSec: other, ratio: tfjs / other };
    }
    if (!values["no-peer"]) {
      const torch = await python(values.python, [
        "bench/pytorch_peer.py",
        name,
        String(steps),
        String(peerThreads),
      ]);
      row.torch = torch;
      if (typeof torch === "object") row.ratioVsTorch = tfjs / (torch.samplesPerSec as number);
    }
    if (name === "W1") {
      row.tfjsGflops = (tfjs * 3 * W1_FORWARD_FLOPS) / 1e9;
      if (sgemm !== null) row.fractionOfSgemm = (row.tfjsGflops as number) / sgemm;
    }
    report[name] = row;
  }
  if (!values["no-peer"]) {
    // All cores (OpenBLAS' default), and one thread: wasm runs one.
    const numpy = await python(values["numpy-python"], ["-c", NUMPY]);
    const numpy1 = await python(values["numpy-python"], ["-c", NUMPY], {
      OPENBLAS_NUM_THREADS: "1",
      OMP_NUM_THREADS: "1",
    });
    report.numpyMatmul1024 = numpy;
    report.numpyMatmul1024OneThread = numpy1;
    const w1row = report.W1 as Record<string, number>;
    if (typeof numpy === "object") {
      w1row.fractionOfNumpyCeiling = w1row.tfjsGflops / (numpy.gflops as number);
    }
    if (typeof numpy1 === "object") {
      w1row.fractionOfNumpyOneThread = w1row.tfjsGflops / (numpy1.gflops as number);
    }
  }
  console.log(JSON.stringify(report, null, 2));
}
