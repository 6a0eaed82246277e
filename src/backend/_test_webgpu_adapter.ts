/**
 * For tests that run a command on `webgpu` in a child process: whether this machine has a
 * WebGPU adapter, asked in a child too, so the test runner's process never holds a device
 * (see `_test_webgpu_probe.ts` for the lavapipe teardown crash that avoids).
 *
 * Run alone, it prints the adapter's description as JSON (`null` without one).
 *
 * @module
 */
import { webgpuAdapterInfo } from "./webgpu.ts";

/** The adapter's description, or null when this machine has none. */
export async function webgpuAdapterInChild(): Promise<string | null> {
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", new URL(import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  const last = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1);
  try {
    return JSON.parse(last ?? "null");
  } catch {
    return null;
  }
}

/** The test name suffix: the adapter, or why the test is skipped. */
export function adapterNote(adapter: string | null): string {
  return adapter === null
    ? " (SKIPPED: no WebGPU adapter; install mesa-vulkan-drivers)"
    : ` (${adapter})`;
}

if (import.meta.main) {
  console.log(JSON.stringify(await webgpuAdapterInfo().catch(() => null)));
  Deno.exit(0);
}
