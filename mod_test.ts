/**
 * The main entry stays light: its module graph (what `deno info --json` resolves) holds only
 * the optimizers and tfjs-core, and importing it registers no backend.
 */
import assert from "node:assert/strict";

interface InfoModule {
  specifier: string;
  kind?: string;
  npmPackage?: string;
}
interface Info {
  modules: InfoModule[];
  npmPackages: Record<string, { name: string; dependencies: string[] }>;
}

/** The local modules and the npm packages (transitively) that `entry` loads. */
async function graph(entry: string): Promise<{ local: string[]; npm: string[] }> {
  const out = await new Deno.Command("deno", {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
  const root = new URL(".", import.meta.url).href;
  const local = info.modules
    .filter((m) => m.specifier.startsWith("file:"))
    .map((m) => m.specifier.slice(root.length));
  // npmPackages lists the whole lockfile snapshot; walk only what the graph reaches.
  const seen = new Set<string>();
  const todo = info.modules.flatMap((m) => m.npmPackage === undefined ? [] : [m.npmPackage]);
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(info.npmPackages[id]?.dependencies ?? []));
  }
  const npm = [...new Set([...seen].map((id) => info.npmPackages[id]?.name ?? id))].sort();
  return { local, npm };
}

Deno.test("the main entry's graph: tfjs-core, src/optim and the file handler only (no vega, resvg, wasm, webgpu)", async () => {
  const { local, npm } = await graph("mod.ts");
  const forbidden = npm.filter((n) => /vega|resvg|tfjs-backend|tfjs-layers|tfjs-node/.test(n));
  assert.deepEqual(forbidden, [], `npm packages in the main entry's graph: ${npm.join(", ")}`);
  assert.ok(npm.includes("@tensorflow/tfjs-core"), npm.join(", "));
  const outside = local.filter((f) =>
    !(f === "mod.ts" || f === "src/tf_types.ts" || f.startsWith("src/optim/") ||
      f === "src/io/file_system.ts")
  );
  assert.deepEqual(outside, [], "local modules outside src/optim");
});

Deno.test("importing the main entry registers no backend: tf.tensor before tf.ready works", async () => {
  // A fresh process: this test process already registered wasm through other tests.
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import "@tensorflow/tfjs-backend-cpu";
    import { lalc } from "./mod.ts";
    const names = tf.engine().backendNames();
    const t = tf.tensor([1, 2, 3]);
    const opt = lalc({ learningRate: 0.1 });
    console.log(JSON.stringify({ names, backend: tf.getBackend(), sum: tf.sum(t).dataSync()[0] }));
    opt.dispose();
  `;
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--ext=ts", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const result = await out.output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, stderr);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(result.stdout)), {
    names: ["cpu"],
    backend: "cpu",
    sum: 6,
  });
});
