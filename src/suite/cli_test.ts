import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gateMain, gridMain, reportMain } from "./cli.ts";
import { SMALLEST_GRID_JSON } from "./_test_grid.ts";

async function quietly<T>(body: () => Promise<T>): Promise<{ value: T; err: string }> {
  const original = console.error;
  let err = "";
  console.error = (...a: unknown[]) => (err += a.join(" ") + "\n");
  try {
    return { value: await body(), err };
  } finally {
    console.error = original;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("bad grid arguments exit 2 with the value and what is allowed, touching nothing", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  const cases: [string[], RegExp][] = [
    [
      ["--preset", "huge", "--out", out],
      /--preset: "huge" is not allowed; expected one of smoke, standard, cnn, paper/,
    ],
    [["--preset", "smoke", "--backend", "tpu", "--out", out], /--backend: "tpu" is not allowed/],
    [["--preset", "smoke", "--max-runs", "0", "--out", out], /--max-runs: "0"/],
    [["--colour", "red"], /unknown option "--colour"/],
    [["--grid", `${dir}/g.json`, "--out", out], /cannot read it/],
  ];
  for (const [args, message] of cases) {
    const { value, err } = await quietly(() => gridMain(args));
    assertEquals(value, 2, args.join(" "));
    assert(message.test(err), err);
  }
  await Deno.writeTextFile(`${dir}/g.json`, JSON.stringify({ extends: "smoke", methods: ["sgd"] }));
  const { value, err } = await quietly(() => gridMain(["--grid", `${dir}/g.json`, "--out", out]));
  assertEquals(value, 2);
  assert(/grid\.methods\[0\]: got "sgd"/.test(err), err);
  assert(!await exists(out), "no result file was written");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gate and report exit 1 on a folder without results, 2 without a folder", async () => {
  const dir = await Deno.makeTempDir();
  assertEquals((await quietly(() => gateMain([dir]))).value, 1);
  assertEquals((await quietly(() => gateMain([]))).value, 2);
  assertEquals((await quietly(() => reportMain([dir]))).value, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("bad --workers and --shard exit 2; folders that cannot be trusted exit 1, one line", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  const usage: [string[], RegExp][] = [
    [["--preset", "smoke", "--workers", "0", "--out", out], /grid: --workers: "0" is not allowed/],
    [["--preset", "smoke", "--shard", "3/2", "--out", out], /grid: --shard: "3\/2" is not allowed/],
    // 20 cells: a 21st shard would hold none (and leave no meta.json for merge).
    [
      ["--preset", "smoke", "--shard", "21/21", "--out", out],
      /grid: shard 21\/21: grid "smoke" has 20 cells .* split it into at most 20$/m,
    ],
  ];
  for (const [args, message] of usage) {
    const { value, err } = await quietly(() => gridMain(args));
    assertEquals(value, 2, args.join(" "));
    assert(message.test(err), err);
  }
  await Deno.mkdir(out);
  await Deno.writeTextFile(`${out}/meta.json`, '{"foo":1}');
  // --backend wasm: without --allow-ffi the default backend's fallback notice is a line too.
  const { value, err } = await quietly(() =>
    gridMain(["--preset", "smoke", "--out", out, "--backend", "wasm"])
  );
  assertEquals(value, 1);
  assert(/^grid: .*meta\.json is corrupt \(its grid is not valid .*to start fresh/.test(err), err);
  assertEquals(err.trim().split("\n").length, 1, err);
  // gate and report name the file and line of a bad row.
  await Deno.writeTextFile(`${out}/runs.csv`, "run_id,preset\nx,y\n");
  await Deno.remove(`${out}/meta.json`);
  for (const main of [gateMain, reportMain]) {
    const r = await quietly(() => main([out]));
    assertEquals(r.value, 1);
    assert(/runs\.csv:1: the header is "run_id,preset"; expected/.test(r.err), r.err);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gate's static imports reach neither vega nor resvg (report loads them on demand)", async () => {
  const out = await new Deno.Command("deno", {
    args: ["info", "--json", new URL("./cli.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
    }[];
  };
  const byName = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of byName.get(s)?.dependencies ?? []) {
      if (!d.isDynamic && d.code?.specifier) visit(d.code.specifier);
    }
  };
  visit(graph.roots[0]);
  assert(seen.size > 10, `${seen.size} modules`);
  const heavy = [...seen].filter((s) => /vega|resvg/.test(s));
  assertEquals(heavy, []);
});

/** Runs `gridMain(args)` with its stdout and stderr captured. */
async function gridQuietly(args: string[]): Promise<{ code: number; out: string }> {
  const [log, error] = [console.log, console.error];
  let out = "";
  console.log = console.error = (...a: unknown[]) => (out += a.join(" ") + "\n");
  try {
    return { code: await gridMain(args), out };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

Deno.test("a resume with nothing to run draws missing plots; error rows exit 1 with how to retry", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  await Deno.writeTextFile(
    `${dir}/grid.json`,
    JSON.stringify({ ...SMALLEST_GRID_JSON, description: "cli test grid" }),
  );
  const args = ["--grid", `${dir}/grid.json`, "--out", out, "--backend", "cpu", "--workers", "1"];
  // Finished without plots: as after a kill while they were being drawn.
  const first = await gridQuietly([...args, "--no-plots"]);
  assertEquals(first.code, 0, first.out);
  assert(/grid complete/.test(first.out), first.out);
  assert(!await exists(`${out}/lr_sensitivity.svg`));
  // The held-out seed's run (the last) ended as an error, as a wasm abort leaves it.
  const csv = await Deno.readTextFile(`${out}/runs.csv`);
  const [header, ...rest] = csv.trimEnd().split("\n");
  const row = rest.pop()!;
  const cols = header.split(",");
  const cells = row.split(",");
  cells[cols.indexOf("status")] = "error";
  cells[cols.indexOf("error")] = "memory access out of bounds";
  await Deno.writeTextFile(`${out}/runs.csv`, [header, ...rest, cells.join(",")].join("\n") + "\n");
  const second = await gridQuietly(args);
  assertEquals(second.code, 1, second.out);
  assert(
    /0 runs done now, \d+ found done; grid finished with 1 error row .*--retry-errors/.test(
      second.out,
    ),
    second.out,
  );
  assert(!/grid complete/.test(second.out), second.out);
  assert(await exists(`${out}/lr_sensitivity.svg`), "plots drawn on a resume that ran nothing");
  const drawn = (await Deno.stat(`${out}/lr_sensitivity.png`)).mtime;
  // Up to date: not drawn again.
  const third = await gridQuietly(args);
  assert(!/wrote .*\.svg/.test(third.out), third.out);
  assertEquals((await Deno.stat(`${out}/lr_sensitivity.png`)).mtime, drawn);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a grid batch larger than the training split is refused before any run, as train refuses it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/grid.json`,
    JSON.stringify({
      extends: "smoke",
      name: "bigbatch",
      description: "cli test grid",
      batchSizes: [32, 128],
      dataset: { name: "synthetic", trainSamples: 64, testSamples: 32 },
    }),
  );
  const args = ["--grid", `${dir}/grid.json`, "--out", `${dir}/out`, "--backend", "cpu"];
  const r = await gridQuietly(args);
  assertEquals(r.code, 2, r.out);
  assert(
    /grid: grid\.batchSizes\[1\]: 128 is not allowed; synthetic has \d+ training samples/
      .test(r.out),
    r.out,
  );
  assert(!await exists(`${dir}/out/runs.csv`), "no run was made");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a resume without --backend keeps the folder's backend; another --backend is refused", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/grid.json`,
    JSON.stringify({
      extends: "smoke",
      name: "resume",
      description: "cli test grid",
      methods: ["lalc"],
      batchSizes: [32],
      depths: [2],
      seeds: [1],
      dataset: { name: "synthetic", trainSamples: 64, testSamples: 32 },
      model: { kind: "mlp", width: 8 },
      epochs: 1,
      lrGrid: { points: 1, factor: 10 },
      evalPoints: 1,
      evalSamples: 32,
    }),
  );
  const out = `${dir}/out`;
  const args = ["--grid", `${dir}/grid.json`, "--out", out, "--no-plots", "--workers", "1"];
  // cpu is never the default backend: a resume that fell back to the default would differ.
  const first = await gridQuietly([...args, "--backend", "cpu", "--max-runs", "1"]);
  assertEquals(first.code, 0, first.out);
  const resumed = await gridQuietly(args);
  assertEquals(resumed.code, 0, resumed.out);
  assert(/backend cpu, /.test(resumed.out) && /grid complete/.test(resumed.out), resumed.out);
  const other = await gridQuietly([...args, "--backend", "wasm"]);
  assertEquals(other.code, 1, other.out);
  assert(/was started with --backend cpu; resume with the same backend/.test(other.out), other.out);
  await Deno.remove(dir, { recursive: true });
});
