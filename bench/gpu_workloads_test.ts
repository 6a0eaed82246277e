/**
 * bench/gpu_workloads.ts runs end to end on whatever WebGPU adapter this machine has (on CI:
 * lavapipe, a software adapter, so `--quick` tiny sizes and only the shape of the output is
 * checked, never the numbers).
 */
import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../src/backend/_test_webgpu_adapter.ts";
import { GPU_CASES, MATMUL_TILES } from "./gpu_workloads.ts";

const BENCH = new URL("./gpu_workloads.ts", import.meta.url).pathname;

async function bench(...args: string[]) {
  return await benchAllowing("python3,/usr/bin/python3,git", args);
}

async function benchAllowing(run: string, args: string[]) {
  const out = await new Deno.Command("deno", {
    // The permissions of `deno task bench:gpu`.
    args: ["run", "--allow-read", `--allow-run=${run}`, BENCH, ...args],
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
  name: "bench:gpu --quick --matmul --matmul-tiles --conv prints tf.js' and the project's " +
    "TFLOP/s per matmul size and conv kernel" + adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick", "--matmul", "--matmul-tiles", "--conv");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^\| kernel \| tf\.js webgpu TFLOP\/s \| project webgpu TFLOP\/s \| project \/ tf\.js \|/m,
    );
    const table = rows(r.stdout);
    const sizes = [64, 128, 256];
    assert.deepEqual(table.map((c) => c[0]), [
      ...sizes.flatMap((n) => [
        `matMul ${n}`,
        ...MATMUL_TILES.map((t) => `matMul ${n}, project tile ${t}`),
      ]),
      "conv2d 3x3 [4, 8, 8, 8] -> 8",
      "conv2d input grad 3x3 [4, 8, 8, 8] -> 8",
      "conv2d filter grad 3x3 [4, 8, 8, 8] -> 8",
    ]);
    for (const [label, tfjs, project, ratio, peer, vsPeer] of table) {
      const forced = label.includes("tile");
      if (!forced) assert.ok(Number(tfjs) > 0, `${label}: tf.js TFLOP/s > 0, got "${tfjs}"`);
      if (label.startsWith("conv")) {
        assert.ok(Number(project) > 0, `${label}: project TFLOP/s > 0, got "${project}"`);
        // Both rates are printed to 3 digits, the ratio (of the unrounded rates) to 2 decimals.
        const expected = Number(project) / Number(tfjs);
        assert.ok(
          Math.abs(Number(ratio) - expected) <= 0.01 * expected + 0.005,
          `${label}: ${ratio} vs ${expected}`,
        );
        assert.match(peer, /^(skipped|[\d.e+-]+|-)$/);
        assert.match(vsPeer, /^(-|[\d.]+)$/);
        continue;
      }
      // matMul 64 is 4 tiles of 32x32: auto leaves it to tf.js' kernel and says so.
      if (label === "matMul 64") {
        assert.equal(project, "tf.js kernel ran");
        assert.equal(ratio, "-");
        continue;
      }
      assert.ok(Number(project) > 0, `${label}: project TFLOP/s > 0, got "${project}"`);
      assert.match(ratio, /^\d+\.\d{3}$/);
    }
  },
});

Deno.test({
  name: "bench:gpu --quick --matmul-kernel project runs the step table with the project's " +
    "matmul" + adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick", "--matmul-kernel", "project", "--no-peer");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^webgpu matmul: project \(--matmul-kernel\)$/m);
    assert.equal(rows(r.stdout).length, GPU_CASES.length);
    const ran = Number(r.stdout.match(/the project's matmul ran (\d+) products/)?.[1]);
    assert.ok(ran > 0, `the project's matmul never ran:\n${r.stdout}`);
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

Deno.test({
  name: "bench:gpu: with a CUDA peer, each row has the peer's rate and ours/peer" +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    // A stand-in for a Python with CUDA PyTorch: passes the check, answers every case with
    // 1000 samples/s (and 2 TFLOP/s), so the ratio column must be ours / 1000.
    const dir = await Deno.makeTempDir();
    const python = `${dir}/python`;
    await Deno.writeTextFile(
      python,
      '#!/bin/sh\n[ "$1" = -c ] && exit 0\necho \'{"samplesPerSec": 1000, "tflops": 2}\'\n',
    );
    await Deno.chmod(python, 0o755);
    try {
      const r = await benchAllowing(`${python},git`, ["--quick", "--python", python]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^peer: PyTorch CUDA \(.*\), eager float32, TF32 off$/m);
      const table = rows(r.stdout);
      assert.equal(table.length, GPU_CASES.length);
      for (const [label, ours, peer, ratio] of table) {
        assert.equal(peer, label.includes("LALC") ? "(momentum) 1,000" : "1,000");
        const expected = Number(ours.replaceAll(",", "")) / 1000;
        // ours is printed rounded to a whole sample/s, the ratio to 3 decimals.
        assert.ok(
          Math.abs(Number(ratio) - expected) <= 0.0015,
          `${label}: ${ratio} vs ${expected}`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("bench:gpu refuses an unknown --matmul-kernel with one line and exit 2", async () => {
  const r = await bench("--matmul-kernel", "cublas");
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.trim(),
    'bench:gpu: --matmul-kernel: "cublas" is not allowed; expected one of tfjs, project',
  );
});

Deno.test("bench:gpu refuses a bad --steps with one line and exit 2", async () => {
  const r = await bench("--steps", "0");
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'bench:gpu: --steps: "0" is not allowed; expected an integer >= 1');
});

Deno.test({
  name: "bench:gpu --webgpu-conv project runs the step rows on the project's convolutions" +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: async () => {
    const r = await bench("--quick", "--no-peer", "--webgpu-conv", "project");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^webgpu convolutions of the step rows: project \(--webgpu-conv\)$/m);
    const table = rows(r.stdout);
    assert.equal(table.length, GPU_CASES.length);
    for (const [, ours] of table) assert.match(ours, /^[\d,]+$/, `a rate, got "${ours}"`);
  },
});

Deno.test("bench:gpu refuses an unknown --webgpu-conv with one line and exit 2", async () => {
  const r = await bench("--webgpu-conv", "cuda");
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.trim(),
    'bench:gpu: --webgpu-conv: "cuda" is not allowed; expected one of tfjs, project',
  );
});
