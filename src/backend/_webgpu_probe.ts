/**
 * Child-process half of the webgpu test: trains the tiny MLP and CNN on `cpu` and on
 * `webgpu` and prints one JSON line with both loss curves (or `{"adapter": null}` when this
 * machine has no WebGPU adapter).
 *
 * Why a child process: with Mesa's software Vulkan driver (lavapipe) the process that held a
 * WebGPU device sometimes aborts while exiting ("corrupted size vs. prev_size in fastbins",
 * seen once in six full test runs, always after the last test had passed). Keeping WebGPU out
 * of the test runner's process keeps that teardown crash from failing unrelated runs; the
 * test reads the losses this script printed before it exited.
 *
 * Run: `deno run --allow-read --allow-env src/backend/_webgpu_probe.ts`
 *
 * @module
 */
import { tinyTrainingLosses } from "./_test_tiny_training.ts";
import { webgpuAdapterInfo } from "./webgpu.ts";

/** What the probe prints. */
export interface WebgpuProbe {
  /** The adapter's description, or null without one. */
  readonly adapter: string | null;
  /** Per model kind, the losses of 4 steps on cpu and on webgpu. */
  readonly losses?: Record<"mlp" | "cnn", { cpu: number[]; webgpu: number[] }>;
}

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let result: WebgpuProbe = { adapter };
  if (adapter !== null) {
    const losses = {} as Record<"mlp" | "cnn", { cpu: number[]; webgpu: number[] }>;
    for (const kind of ["mlp", "cnn"] as const) {
      const cpu = await tinyTrainingLosses("cpu", kind, 4);
      const webgpu = await tinyTrainingLosses("webgpu", kind, 4);
      losses[kind] = { cpu, webgpu };
    }
    result = { adapter, losses };
  }
  console.log(JSON.stringify(result));
  // Leave at once: the lavapipe teardown is what crashes, and nothing is left to do.
  Deno.exit(0);
}
