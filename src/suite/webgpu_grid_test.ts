/**
 * A tiny grid run end to end on webgpu (the `grid` command, its worker, the layer-rate trace)
 * matches the same grid on cpu. Skipped on a machine without a WebGPU adapter (CI has Mesa's
 * software Vulkan driver, lavapipe). Both grids run in child processes: WebGPU stays out of
 * the test runner's process (see `src/backend/_webgpu_probe.ts` for why).
 *
 * Tolerance, measured: over 3 LALC runs (6 steps each, MLP depth 2, width 32) lavapipe's
 * losses, gradient and weight norms and layer rates were within 3.7e-7 relative of cpu's, and
 * every accuracy was identical. Continuous values must agree within 1e-4 relative (the
 * backend tests' DEEP_TOLERANCE); an accuracy may differ by one evaluated image, since a
 * near-tie of two logits can flip one prediction at float32 rounding.
 *
 * Before the fix of `layer_rates.ts` / `layer_stats.ts`, the webgpu grid died before its
 * first row ("Cannot read properties of undefined (reading 'backend')").
 *
 * @module
 */
import { adapterNote, webgpuAdapterInChild } from "../backend/_test_webgpu_adapter.ts";
import assert from "node:assert/strict";
import { readResults } from "./store.ts";

const CONTINUOUS_TOLERANCE = 1e-4;
/** Columns that differ between backends by design. */
const MACHINE_COLUMNS = new Set(["backend", "wall_seconds", "samples_per_sec", "finished_at"]);
const ACCURACY = /accuracy$/;

const adapter = await webgpuAdapterInChild();
const cli = new URL("../cli.ts", import.meta.url).pathname;

async function grid(dir: string, backend: "cpu" | "webgpu"): Promise<string> {
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${dir}`,
      "--allow-env",
      "--allow-sys=cpus,systemMemoryInfo,hostname",
      cli,
      "grid",
      "--grid",
      `${dir}/tiny.json`,
      "--backend",
      backend,
      "--out",
      `${dir}/${backend}`,
      "--no-plots",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  // lavapipe sometimes aborts in its teardown after the process's work is done (see
  // _webgpu_probe.ts): the rows are written and checked below either way.
  const done = /grid complete/.test(stdout);
  assert.ok(
    out.code === 0 || (backend === "webgpu" && done),
    `${backend} grid exited ${out.code}:\n${stderr.slice(-2000)}`,
  );
  if (out.code !== 0) console.warn(`webgpu grid exited ${out.code} after "grid complete"`);
  assert.ok(done, `${backend} grid did not complete:\n${stdout.slice(-1000)}`);
  return `${dir}/${backend}`;
}

function assertRowsClose(
  what: string,
  got: Record<string, string>[],
  want: Record<string, string>[],
  key: (r: Record<string, string>) => string,
  samples: (column: string) => number,
): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} rows vs cpu's ${want.length}`);
  const byKey = new Map(want.map((r) => [key(r), r]));
  for (const g of got) {
    const w = byKey.get(key(g));
    if (w === undefined) assert.fail(`${what}: ${key(g)} has no cpu row`);
    for (const [column, value] of Object.entries(g)) {
      if (MACHINE_COLUMNS.has(column)) continue;
      const a = Number(value);
      const b: number = Number(w[column]);
      const where: string = `${what} ${key(g)} ${column}: webgpu ${value} vs cpu ${w[column]}`;
      if (value === "" || !Number.isFinite(a) || !Number.isFinite(b)) {
        assert.equal(value, w[column], where);
      } else if (ACCURACY.test(column)) {
        assert.ok(Math.abs(a - b) <= 1 / samples(column) + 1e-12, where);
      } else {
        const rel = Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
        assert.ok(rel <= CONTINUOUS_TOLERANCE, `${where} (rel ${rel})`);
      }
    }
  }
}

Deno.test({
  name: "a tiny LALC grid on webgpu gives cpu's rows, curves and layer rates" +
    adapterNote(adapter),
  ignore: adapter === null,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // The smallest grid that traces layer rates (a layer-wise method, traceSteps > 0):
      // 1 rate, which the tuning search extends to 3 runs, of 6 steps each.
      await Deno.writeTextFile(
        `${dir}/tiny.json`,
        JSON.stringify({
          extends: "smoke",
          name: "webgpu-tiny",
          description: "webgpu vs cpu test grid",
          methods: ["lalc"],
          batchSizes: [512],
          depths: [2],
          seeds: [1],
          lrGrid: { points: 1, factor: 2, tuneOn: "first-seed" },
          epochs: 1,
        }),
      );
      const cpu = await readResults(await grid(dir, "cpu"));
      const gpu = await readResults(await grid(dir, "webgpu"));
      assert.ok(cpu.rows.length >= 3 && cpu.rows.every((r) => r.status === "ok"));
      assert.ok(gpu.layerRates.length > 0, "the webgpu grid traced layer rates");
      // An accuracy is over the validation or the test images the runs evaluated.
      const { val_samples: val, test_samples: test } = cpu.runRecords[0];
      const samples = (column: string) => Number(column.startsWith("val") ? val : test);
      const runKey = (r: Record<string, string>) => r.run_id;
      assertRowsClose("runs.csv", gpu.runRecords, cpu.runRecords, runKey, samples);
      const curveKey = (r: Record<string, string>) => `${r.run_id}@${r.step}`;
      assertRowsClose("curves.csv", gpu.curves, cpu.curves, curveKey, samples);
      const layerKey = (r: Record<string, string>) => `${r.run_id}@${r.step}/${r.layer}`;
      assertRowsClose("layer_rates.csv", gpu.layerRates, cpu.layerRates, layerKey, samples);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
