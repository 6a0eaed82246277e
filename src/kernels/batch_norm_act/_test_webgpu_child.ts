/**
 * Child-process half of the webgpu test: the fused BN + activation kernels against the
 * unfused reference, both on webgpu, over BN_CASES; prints one JSON line
 * (`{"adapter": null}` without a WebGPU adapter). In a child process for the reason given
 * in src/backend/_test_webgpu_probe.ts (lavapipe's teardown crash).
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
import { BN_CASES, maxDifferences } from "./_test_cases.ts";

if (import.meta.main) {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  let result: Record<string, unknown> = { adapter };
  if (adapter !== null) {
    await useBackend("webgpu");
    const counter = countWebgpuWork(tf.backend());
    let worst;
    try {
      worst = await maxDifferences(BN_CASES);
    } finally {
      counter.restore();
    }
    result = {
      adapter,
      registered: useFusedKernel(BATCH_NORM_ACTIVATION_KERNEL),
      worst,
      // The programs the cases ran, by name: whether dz had a dispatch of its own.
      programs: Object.keys(counter.counts().programs).filter((p) => p.startsWith("bnAct")),
      storageBuffers: (tf.backend() as unknown as { device: GPUDevice }).device.limits
        .maxStorageBuffersPerShaderStage,
    };
  }
  console.log(JSON.stringify(result));
  Deno.exit(0);
}
