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
 * Run: `deno run --allow-read --allow-env src/backend/_test_webgpu_probe.ts`. With the argument
 * `invalid` it instead makes the device report a validation error, to check that the run
 * stops (see `guardWebgpuErrors`).
 *
 * @module
 */
import { tinyTrainingLosses } from "./_test_tiny_training.ts";
import { type Curve, DEEP_CASES, deepTrainingCurve } from "./_test_deep_training.ts";
import { webgpuAdapterInfo } from "./webgpu.ts";
import {
  BLOCKED_BN_BOUNDS,
  PER_CHANNEL_BN_BOUNDS,
  withBnBounds,
} from "../kernels/batch_norm_act/_test_bounds.ts";

/**
 * Batch norm's webgpu programs forced onto every shape, one way each (the models here are
 * small enough to run in one dispatch each way as shipped): per channel, two dispatches each
 * way; by blocks of rows, cut into as many blocks as can be.
 */
export const BN_REGIMES = {
  perChannel: PER_CHANNEL_BN_BOUNDS,
  blocked: BLOCKED_BN_BOUNDS,
} as const;

/** What the probe prints. */
export interface WebgpuProbe {
  /** The adapter's description, or null without one. */
  readonly adapter: string | null;
  /** Per model kind, the losses of 4 steps on cpu and on webgpu. */
  readonly losses?: Record<"mlp" | "cnn", { cpu: number[]; webgpu: number[] }>;
  /** Per `${kind}${depth}` of DEEP_CASES, the project's model trained on cpu and webgpu. */
  readonly deep?: Record<string, { cpu: Curve; webgpu: Curve }>;
  /** Per regime of {@link BN_REGIMES}, per `${kind}${depth}`: the webgpu curve. */
  readonly deepBnRegimes?: Record<keyof typeof BN_REGIMES, Record<string, Curve>>;
}

if (import.meta.main && Deno.args[0]?.startsWith("invalid")) {
  const tf = await import("@tensorflow/tfjs-core");
  const { useBackend } = await import("./backend.ts");
  // `invalid-handled`: a program's own handler gets the error instead of the default stop.
  const handled = Deno.args[0] === "invalid-handled";
  await useBackend("webgpu", handled ? { onDeviceError: (m) => console.log(`handled: ${m}`) } : {});
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  device.createBuffer({ size: 4, usage: 0 }); // invalid: no usage
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log("not stopped");
  Deno.exit(0);
} else if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let result: WebgpuProbe = { adapter };
  if (adapter !== null) {
    const losses = {} as Record<"mlp" | "cnn", { cpu: number[]; webgpu: number[] }>;
    for (const kind of ["mlp", "cnn"] as const) {
      const cpu = await tinyTrainingLosses("cpu", kind, 4);
      const webgpu = await tinyTrainingLosses("webgpu", kind, 4);
      losses[kind] = { cpu, webgpu };
    }
    const deep: Record<string, { cpu: Curve; webgpu: Curve }> = {};
    for (const { kind, depth } of DEEP_CASES) {
      const cpu = await deepTrainingCurve("cpu", kind, depth, 3);
      const webgpu = await deepTrainingCurve("webgpu", kind, depth, 3);
      deep[`${kind}${depth}`] = { cpu, webgpu };
    }
    const deepBnRegimes = {} as Record<keyof typeof BN_REGIMES, Record<string, Curve>>;
    for (const [regime, bounds] of Object.entries(BN_REGIMES)) {
      const curves: Record<string, Curve> = {};
      await withBnBounds(bounds, async () => {
        for (const { kind, depth } of DEEP_CASES) {
          curves[`${kind}${depth}`] = await deepTrainingCurve("webgpu", kind, depth, 3);
        }
      });
      deepBnRegimes[regime as keyof typeof BN_REGIMES] = curves;
    }
    result = { adapter, losses, deep, deepBnRegimes };
  }
  console.log(JSON.stringify(result));
  // Leave at once: the lavapipe teardown is what crashes, and nothing is left to do.
  Deno.exit(0);
}
