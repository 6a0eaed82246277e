/**
 * merge refuses shards it cannot trust (another grid, backend or versions, unfinished, a run
 * twice, a row outside its shard) before writing anything; readers refuse mixed presets.
 */
import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { fakeRunFn } from "./_test_fakes.ts";
import { fakeGridOptions, TEST_VERSIONS, twoMethodGrid } from "./_test_grid.ts";
import { mergeShards } from "./merge.ts";
import { runGrid } from "./runner.ts";
import type { GridRunOptions } from "./runner.ts";
import { RUN_HEADERS } from "./schema.ts";
import { readResults, ResultsError } from "./store.ts";
import { dropStabilityColumns } from "./_test_old_format.ts";

const grid = twoMethodGrid("merge");

async function shard(
  root: string,
  index: number,
  extra: Partial<GridRunOptions> = {},
): Promise<string> {
  const out = `${root}/s${index}-${Math.random().toString(36).slice(2, 7)}`;
  await runGrid(fakeGridOptions(grid, out, { shard: { index, count: 2 }, ...extra }));
  return out;
}

const refusedWith = (pattern: RegExp) => (e: unknown) =>
  e instanceof ResultsError && pattern.test(e.message);

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("merge refuses shards of other grids, backends, versions, kernels, unfinished or doubled runs", async () => {
  await useBackend("cpu");
  const root = await Deno.makeTempDir();
  const s1 = await shard(root, 1);
  const s2 = await shard(root, 2);
  const merged = await mergeShards([s1, s2], `${root}/ok`);
  const inShards = (await readResults(s1)).rows.length + (await readResults(s2)).rows.length;
  assertEquals(merged.rows.length, inShards);
  assertEquals(merged.meta.mergedFrom?.map((m) => m.shard.index), [1, 2]);
  assertEquals((await readResults(`${root}/ok`)).rows.length, inShards);

  const cases: [string, Promise<string>, RegExp][] = [
    [
      "grid",
      shard(root, 2, { grid: { ...grid, epochs: grid.epochs + 1 } }),
      /ran another grid than/,
    ],
    ["backend", shard(root, 2, { backend: "wasm", runFn: fakeRunFn() }), /ran on backend wasm/],
    ["versions", shard(root, 2, { versions: { ...TEST_VERSIONS, gitCommit: "c2" } }), /commit c2/],
    ["unfinished", shard(root, 2, { maxRuns: 2 }), /shard 2\/2 is unfinished \(2 runs\)/],
  ];
  for (const [name, other, pattern] of cases) {
    const out = `${root}/bad-${name}`;
    await rejects(mergeShards([s1, await other], out), refusedWith(pattern), name);
    assert(!await exists(`${out}/runs.csv`), `${name}: nothing written`);
  }
  // Shards of other kernels (here: another thread count per run) would mix arithmetic.
  const kernels = {
    backend: "cpu",
    threads: 1,
    mode: null,
    isa: null,
    blasCore: null,
    libraries: "tfjs-backend-cpu",
    device: null,
    fused: true,
  };
  const k1 = await shard(root, 1, { kernels });
  const k2 = await shard(root, 2, { kernels: { ...kernels, threads: 2 } });
  await rejects(
    mergeShards([k1, k2], `${root}/bad-kernels`),
    refusedWith(/ran on other kernels than .* \(threads per run 1 -> 2\)/),
  );
  assertEquals(
    (await mergeShards([k1, await shard(root, 2, { kernels })], `${root}/ok-kernels`)).meta.kernels,
    kernels,
  );
  // A run twice: a row repeated inside one shard's runs.csv is refused at its line.
  const runs = await Deno.readTextFile(`${s2}/runs.csv`);
  await Deno.writeTextFile(`${s2}/runs.csv`, runs + runs.split("\n")[1] + "\n");
  await rejects(
    mergeShards([s1, s2], `${root}/dup`),
    refusedWith(
      new RegExp(`runs\\.csv:${runs.trim().split("\n").length + 1}: run_id \\w+ is there twice`),
    ),
  );
  // A row of shard 2's cells inside shard 1's folder.
  await Deno.writeTextFile(`${s2}/runs.csv`, runs);
  const s1runs = await Deno.readTextFile(`${s1}/runs.csv`);
  await Deno.writeTextFile(`${s1}/runs.csv`, s1runs + runs.split("\n")[1] + "\n");
  await rejects(mergeShards([s1, s2], `${root}/cross`), refusedWith(/is not a cell of shard 1\/2/));
  await Deno.remove(root, { recursive: true });
});

Deno.test("readers refuse a runs.csv that mixes two presets", async () => {
  await useBackend("cpu");
  const root = await Deno.makeTempDir();
  const s1 = await shard(root, 1);
  const text = await Deno.readTextFile(`${s1}/runs.csv`);
  const [head, first, ...rest] = text.split("\n");
  await Deno.writeTextFile(
    `${s1}/runs.csv`,
    [head, first, rest[0].replace(",merge,", ",smoke,"), ...rest.slice(1)].join("\n"),
  );
  await rejects(readResults(s1), refusedWith(/runs\.csv:3: preset "smoke" after rows of "merge"/));
  await Deno.remove(root, { recursive: true });
});

Deno.test("shards of a version before the stability columns merge into a folder of that version", async () => {
  await useBackend("cpu");
  const root = await Deno.makeTempDir();
  const s1 = await shard(root, 1);
  const s2 = await shard(root, 2);
  // The reference: today's merge, its runs.csv then written as the older version would.
  await mergeShards([s1, s2], `${root}/new`);
  await dropStabilityColumns(`${root}/new`);
  await dropStabilityColumns(s1);
  // One old shard and one new: their rows would not fit one header.
  await rejects(
    mergeShards([s1, s2], `${root}/mixed`),
    refusedWith(/runs\.csv has other columns than .*merge only shards of one version/),
  );
  assert(!await exists(`${root}/mixed/runs.csv`), "nothing written");
  await dropStabilityColumns(s2);
  const merged = await mergeShards([s1, s2], `${root}/old`);
  assert(merged.rows.every((r) => Number.isNaN(r.maxGradNormAfterFirst + r.gradNormGrowth)));
  assertEquals((await readResults(`${root}/old`)).runColumns, RUN_HEADERS[1]);
  assertEquals(
    await Deno.readTextFile(`${root}/old/runs.csv`),
    await Deno.readTextFile(`${root}/new/runs.csv`),
  );
  await Deno.remove(root, { recursive: true });
});
