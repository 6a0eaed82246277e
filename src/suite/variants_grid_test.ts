/**
 * Method variants end to end: a tiny grid of variants with its own comparisons runs, writes
 * the variants' names and rates, and reports its comparisons; and the committed folders,
 * re-reported, give the same tables as before variants existed.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gridMain, reportMain } from "./cli.ts";
import { runId } from "./plan.ts";
import { checkProtocol, readProtocolInput } from "./protocol_check.ts";
import { readResults } from "./store.ts";
import { validateGridSpec } from "./grid_spec.ts";

/** Runs `main` with console output captured. */
async function quietly(
  main: (args: string[]) => Promise<number>,
  args: string[],
): Promise<{ code: number; out: string }> {
  const [log, error] = [console.log, console.error];
  let out = "";
  console.log = console.error = (...a: unknown[]) => (out += a.join(" ") + "\n");
  try {
    return { code: await main(args), out };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

/** A copy of the committed folder `name`, without its plots, in a new temporary folder. */
async function copyOf(name: string): Promise<string> {
  const from = new URL(`../../results/${name}`, import.meta.url).pathname;
  const to = await Deno.makeTempDir({ prefix: `rereport-${name}-` });
  for await (const f of Deno.readDir(from)) {
    if (f.isFile && /\.(csv|json)$/.test(f.name)) {
      await Deno.copyFile(`${from}/${f.name}`, `${to}/${f.name}`);
    }
  }
  return to;
}

for (const name of ["smoke", "standard", "cnn"]) {
  Deno.test(`re-reporting a copy of results/${name} writes the same summary.csv and claims.csv`, async () => {
    const dir = await copyOf(name);
    const before = {
      summary: await Deno.readTextFile(`${dir}/summary.csv`),
      claims: await Deno.readTextFile(`${dir}/claims.csv`),
    };
    // The report rewrites both files; remove them so a skipped write could not pass.
    await Deno.remove(`${dir}/summary.csv`);
    await Deno.remove(`${dir}/claims.csv`);
    const report = await quietly(reportMain, [dir, "--no-plots"]);
    assertEquals(report.code, 0, report.out);
    assertEquals(await Deno.readTextFile(`${dir}/summary.csv`), before.summary);
    assertEquals(await Deno.readTextFile(`${dir}/claims.csv`), before.claims);
    await Deno.remove(dir, { recursive: true });
  });
}

const TINY = {
  extends: "smoke",
  name: "tiny-variants",
  description: "variants test grid",
  methods: [
    "lalc",
    { name: "lalc-nofloor-k0.005", base: "lalc", minRatio: 0, trustCoefficient: 0.005 },
    { name: "sgd-warmup-10pct", base: "warmup", warmupFraction: 0.1 },
  ],
  lrCentres: { "sgd-warmup-10pct": { "16": 0.05 } },
  comparisons: [
    { name: "floor", a: "lalc", b: "lalc-nofloor-k0.005" },
    { name: "warmup-sgd", a: "sgd-warmup-10pct", b: "lalc" },
  ],
  batchSizes: [16],
  depths: [2],
  seeds: [1, 2, 3],
  dataset: { name: "synthetic", trainSamples: 64, testSamples: 32 },
  model: { kind: "mlp", width: 8 },
  epochs: 1,
  lrGrid: { points: 3, factor: 10 },
  evalPoints: 1,
  evalSamples: 32,
  traceSteps: 0,
};

Deno.test("a grid of variants runs them as methods and reports its own comparisons", async () => {
  const dir = await Deno.makeTempDir({ prefix: "variants-grid-" });
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(TINY));
  const out = `${dir}/out`;
  const args = ["--grid", `${dir}/grid.json`, "--out", out, "--no-plots", "--workers", "1"];
  const ran = await quietly(gridMain, [...args, "--backend", "cpu"]);
  assertEquals(ran.code, 0, ran.out);
  assert(/grid complete/.test(ran.out), ran.out);

  const { rows } = await readResults(out);
  assertEquals([...new Set(rows.map((r) => r.method))], [
    "lalc",
    "lalc-nofloor-k0.005",
    "sgd-warmup-10pct",
  ]);
  // The variant's rate grid is centred where lrCentres says (0.05), not at warmup's 0.1; the
  // scaled rate follows the base's linear rule (batch 16 = 1/16 of 256).
  const tuned = rows.filter((r) => r.method === "sgd-warmup-10pct" && r.phase === "tune");
  const grid = tuned.filter((r) => r.search === "grid").map((r) => r.baseLr).sort((a, b) => a - b);
  assertEquals(grid, [0.005, 0.05, 0.5]);
  for (const r of tuned) assert(Math.abs(r.scaledLr - r.baseLr / 16) < 1e-12, `${r.scaledLr}`);
  // Every id is the plan's: the variant's settings are in its key.
  const spec = validateGridSpec(TINY);
  for (const r of rows) assertEquals(await runId(spec, r), r.runId);

  const claims = (await Deno.readTextFile(`${out}/claims.csv`)).trim().split("\n");
  assertEquals(claims.length, 3, claims.join("\n"));
  assert(claims[1].startsWith("floor,2,16,lalc-nofloor-k0.005,2,"), claims[1]);
  assert(claims[2].startsWith("warmup-sgd,2,16,lalc,2,"), claims[2]);
  assert(/claims: A minus baseline/.test(ran.out), ran.out);

  // report and the protocol check read the comparisons from meta.json.
  const written = await Deno.readTextFile(`${out}/claims.csv`);
  await Deno.remove(`${out}/claims.csv`);
  const report = await quietly(reportMain, [out, "--no-plots"]);
  assertEquals(report.code, 0, report.out);
  assertEquals(await Deno.readTextFile(`${out}/claims.csv`), written);
  const check = checkProtocol(await readProtocolInput(out)).find((c) =>
    c.name.startsWith("claims.csv verdicts")
  );
  assert(check !== undefined && check.ok, check?.detail ?? "no claims check");
  assert(/family of 2 claims/.test(check.detail), check.detail);
  await Deno.remove(dir, { recursive: true });
});
