import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "./_test_webgpu_adapter.ts";
import { CASES, type WebgpuMatmulReport } from "./_test_webgpu_matmul.ts";
import { childJsonReport } from "../_test_child.ts";
import { TILES, workgroupsFor } from "./webgpu_matmul/tiles.ts";
import { setWebgpuMatmul, setWebgpuMatmulTiling, webgpuMatmul } from "./webgpu_matmul.ts";

const adapter = await webgpuAdapterInChild();

/** Runs _test_webgpu_matmul.ts in a child process (WebGPU stays out of the test runner). */
const report = () =>
  childJsonReport<WebgpuMatmulReport>(new URL("./_test_webgpu_matmul.ts", import.meta.url), [
    "--allow-read",
    "--allow-env",
  ]);

Deno.test("setWebgpuMatmul: tfjs by default, refuses an unknown name", () => {
  assert.equal(webgpuMatmul(), "tfjs");
  assert.throws(() => setWebgpuMatmul("cuda" as "tfjs"), /expected one of tfjs, project/);
  assert.throws(() => setWebgpuMatmulTiling("8x8" as "auto"), /unknown tiling 8x8/);
  assert.equal(webgpuMatmul(), "tfjs");
});

Deno.test({
  name: `the project's webgpu matmul matches tf.js cpu and float64${adapterNote(adapter)}`,
  ignore: adapter === null,
  fn: async () => {
    const got = await report();
    assert.ok(got.cases && got.training, "no results from the child");
    assert.equal(got.cases.length, CASES.length);
    for (const [i, r] of got.cases.entries()) {
      const c = CASES[i];
      const context = `${r.name}: ${JSON.stringify(r)}`;
      assert.ok(r.sameShape, context);
      // Measured on lavapipe (relative to max |out|): at most 3.3e-7 vs tf.js cpu and
      // 3.4e-7 vs float64 for K <= 65; 1.4e-6 and 1.3e-6 for K = 2048 (one float32 sum of
      // 2048 terms per element, where tf.js' split-K kernel gets 2.3e-7).
      const bound = c.a.includes(2048) ? 5e-6 : 1e-6;
      assert.ok(r.projectVsCpu <= bound, context);
      assert.ok(r.projectVsFloat64 <= bound, context);
      // Every case ran the project's program on each forced tile, except the one it leaves
      // to tf.js; `auto` leaves outputs of at most 8 tiles of 32x32 to tf.js.
      const auto = r.runs.at(-1);
      if (c.fallback) {
        assert.deepEqual(r.runs, [0, 0, 0, 0, 0], context);
      } else {
        assert.deepEqual(r.runs.slice(0, -1), [1, 1, 1, 1], context);
        const m = c.transposeA ? c.a.at(-1)! : c.a.at(-2)!;
        const n = c.transposeB ? c.b.at(-2)! : c.b.at(-1)!;
        const batch = Math.max(...[c.a, c.b].map((s) => s.slice(0, -2).reduce((p, q) => p * q, 1)));
        const tiny = workgroupsFor(TILES["32x32"], batch, m, n) <= 8;
        assert.equal(auto, tiny ? 0 : 1, context);
      }
    }
    assert.equal(got.leaked, 0, "tensors leaked by the project's matmul");
    // A depth-2 MLP, 3 momentum steps: measured at most 1.1e-7 relative on the losses and
    // 1.2e-7 on the gradient norms between tf.js' kernel and the project's.
    const { tfjs, project, projectRuns } = got.training;
    assert.ok(projectRuns > 0, "the training steps never ran the project's program");
    for (const key of ["losses", "gradNorms"] as const) {
      for (const [s, want] of tfjs[key].entries()) {
        const rel = Math.abs(project[key][s] - want) / Math.abs(want);
        assert.ok(rel < 2e-6, `${key}[${s}]: ${project[key][s]} vs ${want} (${rel})`);
      }
    }
    console.log(`child: ${got.seconds?.toFixed(1)} s`);
  },
});
