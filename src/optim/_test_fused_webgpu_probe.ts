/**
 * Child-process half of the fused optimizer update's webgpu test (see
 * `src/backend/_test_webgpu_probe.ts` for why webgpu runs in a child): on `webgpu`, one step
 * fused vs chain for every option set, 30 training steps of each, and the kernel count of a
 * fused step; prints one JSON line (`{"adapter": null}` without an adapter).
 *
 * Run: `deno run --allow-read --allow-env src/optim/_test_fused_webgpu_probe.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { webgpuAdapterInfo } from "../backend/webgpu.ts";
import {
  gradients,
  makeVariables,
  oneStepDiff,
  OPTION_SETS,
  runSteps,
  trainingLosses,
} from "./_test_fused.ts";

/** What the probe prints. */
export interface FusedWebgpuProbe {
  /** The adapter's description, or null without one. */
  readonly adapter: string | null;
  /** Per option set: one step's largest relative differences, the 30-step loss difference. */
  readonly sets?: Record<
    string,
    { params: number; slots: number; names: boolean; losses: number; fell: boolean }
  >;
  /** tf.profile's kernel count of one fused applyGradients (LALC). */
  readonly kernels?: number;
  /** numTensors grew by this over 5 fused steps after the first. */
  readonly leaked?: number;
}

/** Runs the checks on webgpu (nothing without an adapter). */
export async function runFusedWebgpuProbe(): Promise<FusedWebgpuProbe> {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let result: FusedWebgpuProbe = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    const sets: NonNullable<FusedWebgpuProbe["sets"]> = {};
    for (const set of OPTION_SETS) {
      const { params, slots, names } = await oneStepDiff(set);
      const fused = await trainingLosses(set, 30, true);
      const chain = await trainingLosses(set, 30, false);
      const losses = Math.max(...fused.map((l, t) => Math.abs(l - chain[t]) / Math.abs(chain[t])));
      sets[set.name] = {
        params,
        slots,
        names: names[0].join() === names[1].join(),
        losses,
        fell: fused[29] < fused[0],
      };
    }
    const set = OPTION_SETS.find((s) => s.method === "lalc")!;
    const params = makeVariables();
    const opt = set.make();
    runSteps(opt, params, 0, 1, true);
    const before = tf.memory().numTensors;
    runSteps(opt, params, 1, 5, true);
    const leaked = tf.memory().numTensors - before;
    const grads = gradients(params, 6);
    const info = await tf.profile(() => opt.applyGradients(grads));
    tf.dispose(Object.values(grads));
    opt.dispose();
    tf.dispose(params);
    result = { adapter, sets, kernels: info.kernels.length, leaked };
  }
  return result;
}

if (import.meta.main) {
  console.log(JSON.stringify(await runFusedWebgpuProbe()));
  Deno.exit(0); // at once: the lavapipe teardown is what crashes
}
