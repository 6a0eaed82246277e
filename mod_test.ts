/**
 * The shape of the project: the main entry stays light (its module graph, what
 * `deno info --json` resolves, holds only the optimizers and tfjs-core, and importing it
 * registers no backend); each src/ folder imports only the folders listed for it; each
 * shared fact has one definition.
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

/** Files at the root of src/ that any folder may import: types and names, no code; and one
 * helper that only tests import (a child `deno run` of a snippet). */
const SHARED = ["src/tf_types.ts", "src/kernel_names.ts", "src/_test_child.ts"];

/**
 * Which src/ folders each folder's code may import. Data flows one way: kernels (the fused
 * training kernels and their ops), data, output and stats import no other folder; backend and
 * optim use the kernels; cli words what the backend reports; models use data's seeded random numbers;
 * train runs models with optimizers on data; methods build optimizers; the suite and the
 * diagnostics sit on top. (src/cli.ts, the command dispatcher, is not checked here.)
 */
const ALLOWED: Record<string, readonly string[]> = {
  backend: ["kernels"],
  kernels: [],
  optim: ["kernels"],
  data: [],
  output: [],
  stats: [],
  cli: ["backend"],
  models: ["data", "kernels"],
  train: ["backend", "cli", "data", "kernels", "models", "optim"],
  methods: ["optim"],
  diagnostics: [
    "backend",
    "cli",
    "data",
    "kernels",
    "methods",
    "models",
    "optim",
    "output",
    "stats",
    "train",
  ],
  suite: [
    "backend",
    "cli",
    "data",
    "kernels",
    "methods",
    "models",
    "optim",
    "output",
    "stats",
    "train",
  ],
};

/**
 * What tests (`*_test.ts`, `_test_*.ts`) and benches (`*_bench.ts`) may import beyond their folder's list: every test
 * picks the backend it runs on; the backend's tests train the project's models to compare
 * backends' curves; cli's errors test runs every command end to end.
 */
const TEST_EXTRA: Record<string, readonly string[]> = {
  "*": ["backend"],
  backend: ["cli", "models", "optim", "train"],
  cli: ["suite"],
};

interface InfoDependency {
  code?: { specifier: string };
  type?: { specifier: string };
}

/** Every import between two different src/ folders, as "from -> to" file pairs. */
async function crossFolderImports(): Promise<{ from: string; to: string }[]> {
  const root = new URL(".", import.meta.url);
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const e of Deno.readDir(new URL(dir, root))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) files.push(path);
    }
  }
  await walk("src");
  // One entry that imports every file, so one `deno info` resolves the whole tree.
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import "${new URL(f, root).href}";`).join("\n"),
    );
    const out = await new Deno.Command("deno", {
      args: ["info", "--json", "--config", new URL("deno.json", root).pathname, entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: InfoDependency[] }[];
    };
    const src = new URL("src/", root).href;
    const folder = (f: string) => f.includes("/") ? f.split("/")[0] : "";
    const edges: { from: string; to: string }[] = [];
    for (const m of info.modules) {
      if (!m.specifier.startsWith(src)) continue;
      const from = m.specifier.slice(src.length);
      for (const d of m.dependencies ?? []) {
        for (const target of [d.code?.specifier, d.type?.specifier]) {
          if (target === undefined || !target.startsWith(src)) continue;
          const to = target.slice(src.length);
          if (folder(from) !== folder(to)) edges.push({ from, to });
        }
      }
    }
    return edges;
  } finally {
    await Deno.remove(entry);
  }
}

Deno.test("each src/ folder imports only the folders its row of ALLOWED lists", async () => {
  const edges = await crossFolderImports();
  assert.ok(edges.length > 50, `only ${edges.length} cross-folder imports found`);
  const isTest = (f: string) => /(^|\/)(_test_[^/]*|[^/]*_test|[^/]*_bench)\.ts$/.test(f);
  const bad = new Set<string>();
  for (const { from, to } of edges) {
    const [a, b] = [from.split("/")[0], to.split("/")[0]];
    if (!from.includes("/")) continue; // src/cli.ts: not checked (see ALLOWED)
    if (SHARED.includes(`src/${to}`)) continue;
    const allowed = ALLOWED[a];
    if (allowed === undefined) {
      bad.add(`src/${a}/ has no row in ALLOWED`);
      continue;
    }
    const extra = isTest(from) ? [...TEST_EXTRA["*"], ...(TEST_EXTRA[a] ?? [])] : [];
    if (!allowed.includes(b) && !extra.includes(b)) bad.add(`src/${from} -> src/${to}`);
  }
  assert.deepEqual([...bad].sort(), []);
});

/** The definitions of `name` in src/ (test files aside): `const`, `function` or `type`. */
async function definitions(name: string): Promise<string[]> {
  const found: string[] = [];
  const pattern = new RegExp(`^(export )?(async )?(const|let|function|type) ${name}\\b`, "m");
  async function walk(dir: URL, rel: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts") && !/_test\.ts$|^_test_/.test(e.name)) {
        const text = await Deno.readTextFile(new URL(e.name, dir));
        if (pattern.test(text)) found.push(`${rel}${e.name}`);
      }
    }
  }
  await walk(new URL("src/", import.meta.url), "src/");
  return found.sort();
}

Deno.test("each shared fact is defined once in src/", async () => {
  const facts: Record<string, string> = {
    MODEL_KINDS: "src/models/types.ts",
    ModelKind: "src/models/types.ts",
    DATASETS: "src/data/by_name.ts",
    DatasetName: "src/data/by_name.ts",
    loadDataset: "src/data/by_name.ts",
    NATIVE_LIBRARY_PATHS: "src/backend/native_ffi.ts",
    SQUARED_NORMS_KERNEL: "src/kernel_names.ts",
    linearScaling: "src/optim/schedule.ts",
    mean: "src/stats/stats.ts",
    tInterval: "src/stats/stats.ts",
    studentTQuantile: "src/stats/stats.ts",
    panelFacet: "src/output/plot.ts",
  };
  const wrong: Record<string, string[]> = {};
  for (const [name, home] of Object.entries(facts)) {
    const found = await definitions(name);
    if (found.length !== 1 || found[0] !== home) wrong[name] = found;
  }
  assert.deepEqual(wrong, {});
});

Deno.test("the main entry's graph: tfjs-core, src/optim, src/kernels and the file handler only (no vega, resvg, wasm, webgpu)", async () => {
  const { local, npm } = await graph("mod.ts");
  const forbidden = npm.filter((n) => /vega|resvg|tfjs-backend|tfjs-layers|tfjs-node/.test(n));
  assert.deepEqual(forbidden, [], `npm packages in the main entry's graph: ${npm.join(", ")}`);
  assert.ok(npm.includes("@tensorflow/tfjs-core"), npm.join(", "));
  const outside = local.filter((f) =>
    !(f === "mod.ts" || SHARED.includes(f) || f.startsWith("src/optim/") ||
      f.startsWith("src/kernels/") || f === "src/io/file_system.ts")
  );
  assert.deepEqual(outside, [], "local modules outside src/optim and src/kernels");
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
