/**
 * `reproduce --backend webgpu` end to end: committed smoke rows re-run on the machine's WebGPU
 * adapter (lavapipe on CI) through the grid's own code, and the reproduced cells match the same
 * rows re-run on `cpu`. Each run is `deno task reproduce` in a child process, so the test
 * runner never holds a WebGPU device (see src/backend/_test_webgpu_probe.ts).
 *
 * Tolerance: every cell equal as text, except floats within relative 1e-5. Measured on
 * lavapipe (2026-12-04; each test prints its largest relative difference webgpu vs cpu): the
 * linear-scaling and warmup rows at depth 2, batch 512 differ by at most 7.6e-8 (final train
 * loss, max gradient norm: float32 sums in another order); accuracies, steps to target and
 * loss spikes are equal. 1e-5 is explode's webgpu tolerance (src/diagnostics/webgpu_test.ts,
 * measured there up to 1.4e-6), and still catches a wrong kernel.
 *
 * The layer-wise rows (LALC, LARS, LAMB) record per-layer rates, the path on which the grid
 * crashed on webgpu (issue 25: "Cannot read properties of undefined (reading 'backend')"
 * in WebGPUBackend.convertAndCacheOnCPU): src/suite/layer_rates.ts made its weight/gradient
 * norms in a tidy inside trainStep's tidy and read them asynchronously, and trainStep's tidy
 * disposed them while the webgpu read was pending (cpu and wasm read at once, so they never saw
 * it). The reads now keep their tensors; this test fails if that regresses.
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { adapterNote, webgpuAdapterInChild } from "../backend/_test_webgpu_adapter.ts";
import { cli, inResults, ROOT } from "../cli/_test_cli.ts";
import { readCommitted } from "./reproduce.ts";

const RELATIVE = 1e-5;

/** The first committed smoke row of each of `methods` at the smallest depth, largest batch. */
async function cheapRows(methods: string[]): Promise<string[]> {
  const { grid, records } = await readCommitted(`${ROOT}results/smoke`);
  const batch = String(Math.max(...grid.batchSizes));
  const depth = String(Math.min(...grid.depths));
  return methods.map((m) =>
    records.find((r) => r.method === m && r.batch_size === batch && r.depth === depth)!.run_id
  );
}

/** `reproduce results/smoke --run-ids ids --backend backend`: run id -> column -> value. */
async function reproduced(
  dir: string,
  backend: string,
  ids: string[],
): Promise<Map<string, string>> {
  const out = `${dir}/${backend}.csv`;
  const r = await cli("reproduce", [
    "results/smoke",
    "--run-ids",
    ids.join(","),
    "--backend",
    backend,
    // This test compares webgpu with cpu itself; both differ from the committed wasm bits.
    "--tolerance",
    "1",
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, `reproduce on ${backend} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  const rows: Record<string, string>[] = parse(await Deno.readTextFile(`${ROOT}${out}`), {
    columns: true,
  });
  return new Map(rows.map((row) => [`${row.run_id} ${row.column}`, row.reproduced]));
}

const adapter = await webgpuAdapterInChild();

async function check(methods: string[]): Promise<void> {
  const ids = await cheapRows(methods);
  await inResults(async (dir) => {
    const gpu = await reproduced(dir, "webgpu", ids);
    const cpu = await reproduced(dir, "cpu", ids);
    assert.deepEqual([...gpu.keys()], [...cpu.keys()]);
    let worst = 0;
    for (const [key, c] of cpu) {
      const g = gpu.get(key)!;
      const [gn, cn] = [Number(g), Number(c)];
      if (g === c) continue;
      assert.ok(
        c !== "" && Number.isFinite(gn) && Number.isFinite(cn),
        `${key}: webgpu "${g}", cpu "${c}"`,
      );
      const rel = Math.abs(gn - cn) / Math.max(Math.abs(cn), 1e-30);
      assert.ok(rel <= RELATIVE, `${key}: webgpu ${g}, cpu ${c}, relative ${rel} > ${RELATIVE}`);
      worst = Math.max(worst, rel);
    }
    console.log(
      `reproduce ${methods.join(", ")}: largest relative difference webgpu vs cpu ${
        worst.toExponential(2)
      }`,
    );
  });
}

Deno.test({
  name:
    `reproduce --backend webgpu: momentum-SGD smoke rows match cpu within relative ${RELATIVE}` +
    adapterNote(adapter),
  ignore: adapter === null,
  fn: () => check(["linear-scaling", "warmup"]),
});

Deno.test({
  name: `reproduce --backend webgpu: layer-wise smoke rows (LALC, LARS, LAMB) match cpu within ` +
    `relative ${RELATIVE}` + adapterNote(adapter),
  ignore: adapter === null,
  fn: () => check(["lalc", "lars", "lamb"]),
});
