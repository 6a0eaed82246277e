/**
 * Child-process half of the webgpu test: the fused BN + activation kernels against the
 * unfused reference, both on webgpu, over BN_CASES, with the row bounds as shipped, with every
 * shape reduced by a workgroup per channel (two dispatches each way), and with every shape
 * reduced by blocks of rows (cut into as many blocks as can be); and the fused outputs as
 * shipped and per channel compared bit for bit. Prints one JSON line (`{"adapter": null}`
 * without a WebGPU adapter).
 * In a child process for the reason given in src/backend/_test_webgpu_probe.ts (lavapipe's
 * teardown crash).
 *
 * Run: `deno run --allow-read --allow-env src/kernels/batch_norm_act/_test_webgpu_child.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../../backend/backend.ts";
import { countWebgpuWork } from "../../backend/webgpu_counts.ts";
import { webgpuAdapterInfo } from "../../backend/webgpu.ts";
import { BATCH_NORM_ACTIVATION_KERNEL } from "../../kernel_names.ts";
import { useFusedKernel } from "../switch.ts";
import { BN_CASES, bnStep, maxDifferences } from "./_test_cases.ts";
import {
  BLOCKED_BN_BOUNDS,
  type BnBounds,
  PER_CHANNEL_BN_BOUNDS,
  SHIPPED_BN_BOUNDS,
  withBnBounds,
} from "./_test_bounds.ts";

/** With `bounds`: the worst differences, the BN programs run, the fused outputs. */
function withBounds(bounds: BnBounds) {
  return withBnBounds(bounds, async () => {
    const counter = countWebgpuWork(tf.backend());
    try {
      const worst = await maxDifferences(BN_CASES);
      const programs = Object.keys(counter.counts().programs).filter((p) => p.startsWith("bnAct"));
      const fused = [];
      for (const c of BN_CASES) fused.push(await bnStep(c, true));
      return { worst, programs, fused };
    } finally {
      counter.restore();
    }
  });
}

/** Elements whose bits differ between two runs' outputs. */
function bitsDiffering(a: Float32Array[][], b: Float32Array[][]): number {
  let differing = 0;
  a.forEach((outputs, i) =>
    outputs.forEach((values, k) => {
      const x = new Uint32Array(values.buffer), y = new Uint32Array(b[i][k].buffer);
      for (let e = 0; e < x.length; e++) if (x[e] !== y[e]) differing++;
    })
  );
  return differing;
}

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let result: Record<string, unknown> = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    const shipped = await withBounds(SHIPPED_BN_BOUNDS);
    const two = await withBounds(PER_CHANNEL_BN_BOUNDS);
    const blocked = await withBounds(BLOCKED_BN_BOUNDS);
    result = {
      adapter,
      registered: useFusedKernel(BATCH_NORM_ACTIVATION_KERNEL),
      worst: shipped.worst,
      worstTwoDispatches: two.worst,
      worstBlocked: blocked.worst,
      // The programs the cases ran, by name: one dispatch each way or two, dz's own or not.
      programs: shipped.programs,
      programsTwoDispatches: two.programs,
      programsBlocked: blocked.programs,
      bitsDiffering: bitsDiffering(shipped.fused, two.fused),
      elements: shipped.fused.flat().reduce((n, v) => n + v.length, 0),
      storageBuffers: (tf.backend() as unknown as { device: GPUDevice }).device.limits
        .maxStorageBuffersPerShaderStage,
    };
  }
  console.log(JSON.stringify(result));
  Deno.exit(0);
}
