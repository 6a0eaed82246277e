/**
 * bench/gpu_workloads.ts runs end to end on whatever WebGPU adapter this machine has (on CI:
 * lavapipe, a software adapter, so `--quick` tiny sizes and only the shape of the output is
 * checked, never the numbers).
 */
import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../src/backend/_test_webgpu_adapter.ts";
import { GPU_CASES } from "./gpu_workloads.ts";

const BENCH = new URL("./gpu_workloads.ts", import.meta.url).pathname;

async function bench(...args: string[]) {
  const out = await new Deno.Command("deno", {
    // The permissions of `deno task bench:gpu`.
    args: ["run", "--allow-read", "--allow-run=python3,/usr/bin/python3,git", BENCH, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** The table's data rows: each row's cells. */
function rows(stdout: string): string[][] {
  return stdout.split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| ---") && !/^\| (case|kernel) /.test(l))
    .map((l) => l.slice(2, -2).split(" | "));
}

const adapter = await webgpuAdapterInChild();

Deno.test({
  name: "bench:gpu --quick prints the header and one row per case of issue 25" +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^adapter: ${adapter!.replace(/[()]/g, "\\$&")}$`, "m"));
    assert.match(r.stdout, /^driver: .+$/m);
    assert.match(r.stdout, /^date: \d{4}-\d\d-\d\dT/m);
    assert.match(r.stdout, /^commit: ([0-9a-f]{7,}|unknown)/m);
    // Without CUDA the peer is skipped with its reason; with it, it ran.
    assert.match(r.stdout, /^peer: (skipped \(.+\)|PyTorch CUDA .*TF32 off)$/m);
    const table = rows(r.stdout);
    assert.deepEqual(
      table.map((c) => c[0].replace(/ \(quick: .*\)$/, "")),
      GPU_CASES.map((c) => c.label),
    );
    for (const [, ours, peer] of table) {
      assert.match(ours, /^[\d,]+$/, `a rate, got "${ours}"`);
      assert.match(peer, /^(skipped|(\(momentum\) )?[\d,]+)$/);
    }
  },
});

Deno.test({
  name: "bench:gpu --quick --matmul --conv prints a TFLOP/s row per size" + adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick", "--matmul", "--conv");
    assert.equal(r.code, 0, r.stderr);
    const table = rows(r.stdout);
    assert.deepEqual(table.map((c) => c[0]), [
      "matMul 64",
      "matMul 128",
      "matMul 256",
      "conv2d 3x3 [4, 8, 8, 8] -> 8",
    ]);
    for (const [, ours] of table) assert.ok(Number(ours) > 0, `TFLOP/s > 0, got "${ours}"`);
  },
});

Deno.test({
  name: "bench:gpu: a case past --cap stops and says so instead of running on" +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick", "--steps", "50", "--warmup", "0", "--cap", "0.001");
    assert.equal(r.code, 0, r.stderr);
    const table = rows(r.stdout);
    assert.equal(table.length, GPU_CASES.length);
    for (const [, ours] of table) assert.match(ours, /^< 50 steps in 0\.001 s \(1: [\d,]+\)$/);
  },
});

Deno.test("bench:gpu refuses a bad --steps with one line and exit 2", async () => {
  const r = await bench("--steps", "0");
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'bench:gpu: --steps: got "0"; allowed: an integer >= 1');
});
