/**
 * Child-process half of the fused kernels' webgpu test: runs the softmax cross-entropy and
 * step norms comparisons (fused vs unfused) on `webgpu` and prints one JSON line, or
 * `{"adapter": null}` without a WebGPU adapter. A child process because lavapipe sometimes
 * crashes while a process that held a device exits (see src/backend/_test_webgpu_probe.ts).
 *
 * Run: `deno run --allow-read --allow-env src/kernels/_test_webgpu_fused.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { webgpuAdapterInfo } from "../backend/webgpu.ts";
import { compareAll, type Worst } from "./softmax_cross_entropy/_test_compare.ts";
import { softmaxCrossEntropy } from "./softmax_cross_entropy/softmax_cross_entropy.ts";
import { LAYERS, maxRelative, NONEMPTY_SHAPES, normsOf } from "./step_norms/_test_cases.ts";
import { stepNorms } from "./step_norms/step_norms.ts";
import { setFusedKernels } from "./switch.ts";

/** What the child prints. */
export interface WebgpuFusedReport {
  /** The adapter, or null without one. */
  readonly adapter: string | null;
  /** Softmax cross-entropy: worst relative differences over the cases. */
  readonly crossEntropy?: Worst;
  /** Step norms: fused vs unfused, fused vs float64. */
  readonly norms?: { fusedVsUnfused: number; fusedVsFloat64: number };
  /** Kernels (Identity left out) of loss + gradient and of the norms, fused and unfused. */
  readonly kernels?: Record<"fused" | "unfused", { loss: string[]; norms: number }>;
  /** Tensors alive after everything minus before. */
  readonly leaked?: number;
}

async function kernelsOf(fused: boolean): Promise<{ loss: string[]; norms: number }> {
  const x = tf.randomNormal([16, 10], 0, 1, "float32", 3) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32");
  const grads = NONEMPTY_SHAPES.map((s, t) => tf.fill(s, t + 1));
  setFusedKernels(fused);
  try {
    // tf.profile returns the same object each time: read each before the next.
    const names = (p: { kernels: { name: string }[] }) =>
      p.kernels.map((k) => k.name).filter((n) => n !== "Identity");
    const loss = await tf.profile(() =>
      tf.tidy(() => tf.grad((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, y))(x))
    );
    const lossKernels = names(loss);
    tf.dispose(loss.result as tf.Tensor);
    const norms = await tf.profile(() => stepNorms(grads, LAYERS));
    tf.dispose(norms.result as tf.Tensor);
    return { loss: lossKernels, norms: names(norms).length };
  } finally {
    setFusedKernels(true);
    tf.dispose([x, y, ...grads]);
  }
}

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let report: WebgpuFusedReport = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    let before = tf.memory().numTensors;
    const crossEntropy = await compareAll();
    const leakedByCrossEntropy = tf.memory().numTensors - before;
    before = tf.memory().numTensors;
    const fused = await normsOf(true, NONEMPTY_SHAPES);
    const unfused = await normsOf(false, NONEMPTY_SHAPES);
    const withEmpty = await normsOf(true); // fused only: tf.js' Sum fails on it
    const norms = {
      fusedVsUnfused: maxRelative(fused.got, unfused.got),
      fusedVsFloat64: Math.max(
        maxRelative(fused.got, fused.truth),
        maxRelative(withEmpty.got, withEmpty.truth),
      ),
    };
    const kernels = { fused: await kernelsOf(true), unfused: await kernelsOf(false) };
    report = {
      adapter,
      crossEntropy,
      norms,
      kernels,
      leaked: leakedByCrossEntropy + tf.memory().numTensors - before,
    };
  }
  console.log(JSON.stringify(report));
  Deno.exit(0);
}
