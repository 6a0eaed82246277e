/**
 * `explode` (init, train, mechanism) on `webgpu` end to end: a tiny case of each subcommand
 * runs on the machine's WebGPU adapter (lavapipe on CI) and its numbers match the same case
 * on `cpu`. Each run is a child process, as `deno task explode` runs it, so the test runner
 * never holds a WebGPU device (see src/backend/_test_webgpu_probe.ts).
 *
 * Tolerance: relative 1e-5 on every number (integers and the fade-step counts exactly). On
 * lavapipe (2026-12-04, two runs) the largest relative difference webgpu vs cpu was 1.4e-6
 * (explode init's layer norms), 7.4e-7 (explode train's mean ratios), 0 in mechanism's table
 * (it prints 6 digits): float32 sums in another order, about 10x the float32 epsilon
 * (1.2e-7). 1e-5 leaves a 7x margin and still catches any wrong kernel (a lost command
 * buffer reads zeros, see webgpu_addn.ts). Each test prints its largest difference.
 */
import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../backend/_test_webgpu_adapter.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const RELATIVE = 1e-5;

/** `explode ...args --backend backend --json`: the JSON of its last line. */
async function explodeJson(backend: string, args: string[]): Promise<unknown> {
  const out = await new Deno.Command("deno", {
    // The permissions of `deno task explode`.
    args: [
      "run",
      "--allow-read",
      "--allow-env=FASHION_MNIST_DIR,CIFAR10_DIR",
      CLI,
      "explode",
      ...args,
      "--backend",
      backend,
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `explode on ${backend} exited ${out.code}:\n${stderr.slice(-2000)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

/**
 * Walks `gpu` and `cpu` together: the same shape, equal strings and integers, numbers (and
 * numeric strings) within {@link RELATIVE}. Returns the largest relative difference seen.
 */
function assertSameWithin(gpu: unknown, cpu: unknown, path = "$"): number {
  const asNumber = (v: unknown) =>
    typeof v === "number"
      ? v
      : typeof v === "string" && /^-?[\d.]+(e[-+]?\d+)?$/i.test(v)
      ? Number(v)
      : null;
  const [g, c] = [asNumber(gpu), asNumber(cpu)];
  if (g !== null && c !== null) {
    if (Number.isInteger(c) && Number.isInteger(g)) {
      assert.equal(g, c, `${path}: webgpu ${g}, cpu ${c}`);
      return 0;
    }
    const rel = Math.abs(g - c) / Math.max(Math.abs(c), 1e-30);
    assert.ok(rel <= RELATIVE, `${path}: webgpu ${g}, cpu ${c}, relative ${rel} > ${RELATIVE}`);
    return rel;
  }
  if (typeof cpu !== "object" || cpu === null) {
    assert.deepEqual(gpu, cpu, path);
    return 0;
  }
  assert.equal(typeof gpu, "object", path);
  assert.deepEqual(Object.keys(gpu as object), Object.keys(cpu), `${path}: keys`);
  let worst = 0;
  for (const [k, v] of Object.entries(cpu)) {
    worst = Math.max(
      worst,
      assertSameWithin((gpu as Record<string, unknown>)[k], v, `${path}.${k}`),
    );
  }
  return worst;
}

const adapter = await webgpuAdapterInChild();

const CASES: [string, string[]][] = [
  ["init", ["--depth", "4", "--width", "16", "--batch-size", "8,16", "--seeds", "2"]],
  ["train", [
    "train",
    "--methods",
    "lalc,lamb,linear-scaling",
    "--batch-size",
    "16",
    "--steps",
    "4",
    "--depth",
    "4",
    "--width",
    "16",
  ]],
  ["mechanism", [
    "mechanism",
    "--datasets",
    "synthetic",
    "--correlation",
    "0,0.6",
    "--methods",
    "momentum,warmup",
    "--warmup-steps",
    "3",
    "--seeds",
    "1",
    "--steps",
    "6",
    "--depth",
    "4",
    "--width",
    "16",
    "--batch-size",
    "16",
    "--measure-every",
    "2",
  ]],
];

for (const [name, args] of CASES) {
  Deno.test({
    name: `explode ${name} on webgpu matches cpu within relative ${RELATIVE}` +
      adapterNote(adapter),
    ignore: adapter === null,
    fn: async () => {
      const [gpu, cpu] = [await explodeJson("webgpu", args), await explodeJson("cpu", args)];
      const worst = assertSameWithin(gpu, cpu);
      console.log(
        `explode ${name}: largest relative difference webgpu vs cpu ${worst.toExponential(2)}`,
      );
    },
  });
}
