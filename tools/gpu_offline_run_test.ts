/**
 * Tests of tools/gpu_offline_run.sh on this machine's adapter (lavapipe in CI): the run works
 * on a copy whose deno.json reads node_modules as they are, logs each stage, and refuses a
 * bad argument with one line. Run by `deno task test:gpu-offline`, which may run bash; under
 * `deno task test`, which may not, both tests are ignored.
 *
 * @module
 */
import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../src/backend/_test_webgpu_adapter.ts";

const SCRIPT = new URL("./gpu_offline_run.sh", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
/** Whether this process may run bash (`deno task test:gpu-offline`, not `deno task test`). */
const MAY_RUN_BASH =
  Deno.permissions.querySync({ name: "run", command: "bash" }).state === "granted";
const ONLY_IN_ITS_TASK = " (SKIPPED: deno task test:gpu-offline runs it)";
const adapter = MAY_RUN_BASH ? await webgpuAdapterInChild() : null;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("bash", { args: [SCRIPT, ...args], cwd: ROOT }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A bundle that names this machine's Deno, so the run uses it and this checkout's node_modules. */
async function localBundle(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gpu-bundle-" });
  const version = await new Deno.Command("deno", { args: ["--version"] }).output();
  await Deno.writeTextFile(
    `${dir}/deno.version`,
    new TextDecoder().decode(version.stdout).split("\n")[0] + "\n",
  );
  await Deno.writeTextFile(`${dir}/COMMIT`, "test\n");
  return dir;
}

Deno.test({
  name: `gpu_offline_run.sh --quick: each stage logged, on a copy in manual node_modules mode${
    MAY_RUN_BASH ? adapterNote(adapter) : ONLY_IN_ITS_TASK
  }`,
  ignore: !MAY_RUN_BASH || adapter === null,
  fn: async () => {
    const bundle = await localBundle();
    const logs = await Deno.makeTempDir({ prefix: "gpu-logs-" });
    const before = await Deno.readTextFile(`${ROOT}deno.json`);
    try {
      const out = await run([bundle, logs, "--quick", "env", "counts", "bn"]);
      assert.equal(out.code, 0, out.stderr.slice(-1500));
      const env = await Deno.readTextFile(`${logs}/env.log`);
      assert.match(env, /bundle commit: test/);
      assert.match(env, /== env: exit 0 after \d+ s/);
      const counts = await Deno.readTextFile(`${logs}/counts.log`);
      assert.match(counts, /mlp:2:8:8: per step over 8 steps/);
      assert.match(counts, /GPU time per step \(timestamp queries, 2 steps/);
      assert.match(counts, /== counts: exit 0 after \d+ s/);
      // Batch norm's programs each way: as shipped, by blocks past 1024 rows, per channel.
      const bn = await Deno.readTextFile(`${logs}/bn.log`);
      for (const bound of ["32768", "1024", "Infinity"]) {
        assert.match(bn, new RegExp(`by blocks of rows past ${bound} `));
      }
      assert.match(bn, /bnActBlockStats/);
      assert.match(bn, /== bn: exit 0 after \d+ s/);
      const copied = await Deno.readTextFile("/tmp/gpu-offline/repo/deno.json");
      assert.match(copied, /"nodeModulesDir": "manual"/);
      // The checkout itself is untouched.
      assert.equal(await Deno.readTextFile(`${ROOT}deno.json`), before);
    } finally {
      await Deno.remove(bundle, { recursive: true });
      await Deno.remove(logs, { recursive: true });
    }
  },
});

Deno.test({
  name: "gpu_offline_run.sh refuses an unknown stage and a missing bundle with one line" +
    (MAY_RUN_BASH ? "" : ONLY_IN_ITS_TASK),
  ignore: !MAY_RUN_BASH,
}, async () => {
  const logs = await Deno.makeTempDir({ prefix: "gpu-logs-" });
  try {
    const stage = await run([ROOT, logs, "warp"]);
    assert.equal(stage.code, 2);
    assert.match(stage.stderr, /^gpu_offline_run: unknown argument "warp"; allowed: --quick, env/);
    assert.equal(stage.stderr.trim().split("\n").length, 1);
    const missing = await run(["/nonexistent-bundle", logs]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim(), 'gpu_offline_run: no bundle folder "/nonexistent-bundle"');
  } finally {
    await Deno.remove(logs, { recursive: true });
  }
});
