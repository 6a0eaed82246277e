/**
 * Child-process half of bench/gpu_counts_test.ts: on `webgpu`, checks that the counter puts
 * the backend's methods back, that the global average pool's gradient is tf.js' `mean`
 * gradient bit for bit, and counts the work of the suite's MLP step and a small CNN's; prints one JSON line
 * (`{"adapter": null}` without an adapter). A child because lavapipe can crash while a
 * process that held a device exits (src/backend/_test_webgpu_probe.ts).
 *
 * Run: `deno run --allow-read --allow-env bench/_test_gpu_counts.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../src/backend/backend.ts";
import { webgpuAdapterInfo } from "../src/backend/webgpu.ts";
import { countWebgpuWork, WRAPPED } from "../src/backend/webgpu_counts.ts";
import { globalAveragePool } from "../src/models/global_pool.ts";
import { countSteps, type StepCounts } from "./gpu_counts.ts";

/** What the child prints. */
export interface GpuCountsReport {
  /** The adapter, or null without one. */
  readonly adapter: string | null;
  /** Methods of the backend that differ from before counting, after `restore()`. */
  readonly notRestored?: string[];
  /** Elements where the pool's gradient differs from tf.js' mean's, in bits. */
  readonly poolGradientDiffers?: number;
  /** The suite's MLP step, counted. */
  readonly mlp?: StepCounts;
  /** A small CNN's step (global average pooling before its head), counted, then timed. */
  readonly cnn?: StepCounts;
  /** Whether the kernel timer left its wrapper on the backend. */
  readonly timerLeftWrapped?: boolean;
  /** Tensors alive at the end minus at the start. */
  readonly leaked?: number;
}

function restoreCheck(): string[] {
  const b = tf.backend() as unknown as Record<string, unknown>;
  const before = WRAPPED.map((m) => [b[m], Object.hasOwn(b, m)]);
  const counter = countWebgpuWork(tf.backend());
  const wrapped = WRAPPED.filter((m, i) => b[m] === before[i][0]);
  counter.restore();
  const changed = WRAPPED.filter((m, i) =>
    b[m] !== before[i][0] || Object.hasOwn(b, m) !== before[i][1]
  );
  // A method the counter failed to wrap is as wrong as one it failed to restore.
  return [...changed, ...wrapped.map((m) => `${m} (never wrapped)`)];
}

async function poolGradientDiffers(): Promise<number> {
  const x = tf.randomNormal([4, 7, 7, 8], 0, 1, "float32", 5);
  const w = tf.randomNormal([4, 8], 0, 1, "float32", 6);
  const grad = (pool: (t: tf.Tensor) => tf.Tensor) =>
    tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), w)))(x));
  const ours = grad(globalAveragePool);
  const theirs = grad((t) => tf.mean(t, [1, 2]));
  const [a, b] = [
    new Uint32Array((await ours.data()).buffer),
    new Uint32Array((await theirs.data()).buffer),
  ];
  tf.dispose([x, w, ours, theirs]);
  return a.filter((bits, i) => bits !== b[i]).length;
}

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let report: GpuCountsReport = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    const start = tf.memory().numTensors;
    report = {
      adapter,
      notRestored: restoreCheck(),
      poolGradientDiffers: await poolGradientDiffers(),
      mlp: await countSteps("mlp:16:64:128", { warmup: 2, steps: 8, readEvery: 4 }),
      cnn: await countSteps("cnn:3:8:32", { warmup: 2, steps: 4, readEvery: 4, gpuTime: true }),
      timerLeftWrapped: Object.hasOwn(tf.backend(), "recordAndSubmit"),
    };
    report = { ...report, leaked: tf.memory().numTensors - start };
  }
  console.log(JSON.stringify(report));
  // Leave at once: with lavapipe the WebGPU teardown can abort the process.
  Deno.exit(0);
}
