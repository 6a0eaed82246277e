import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { gridCells, runId } from "./plan.ts";
import { SMOKE, STANDARD } from "./presets.ts";
import { inShard, parseShard, shardCells, shardFromEnv } from "./shard.ts";

const env = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("shards split the cells into disjoint parts that cover the grid", () => {
  const cells = gridCells(STANDARD);
  for (const count of [1, 2, 4, 7]) {
    const parts = Array.from(
      { length: count },
      (_, i) => shardCells(cells, { index: i + 1, count }),
    );
    assertEquals(parts.flat().length, cells.length);
    const keys = parts.flat().map((c) => `${c.method}|${c.batchSize}|${c.depth}`);
    assertEquals(new Set(keys).size, cells.length);
    // Deep cells spread over every shard (round robin), not all on the last one.
    const deepest = Math.max(...STANDARD.depths);
    if (count <= 3) assert(parts.every((p) => p.some((c) => c.depth === deepest)));
  }
  assert(inShard(5, null));
});

Deno.test("--shard and the engines' variables give K/N; bad values say what is allowed", () => {
  assertEquals(parseShard("3/4"), { index: 3, count: 4 });
  for (const bad of ["0/4", "5/4", "1/0", "a/b", "2", "1/4/2", "-1/3"]) {
    throws(() => parseShard(bad), /expected K\/N with 1 <= K <= N/);
  }
  // Slurm: --array=0-3 and --array=1-4 both give shards 1..4 of 4.
  assertEquals(
    shardFromEnv(
      env({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "4" }),
    ),
    { index: 1, count: 4 },
  );
  assertEquals(
    shardFromEnv(
      env({ SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "4" }),
    ),
    { index: 4, count: 4 },
  );
  // What Slurm 22.05 sets for --array=1-7:2 (seen under slurmctld, tools/slurm_local.sh):
  // ids 1, 3, 5, 7 are shards 1..4 of 4, not 1, 3, 5, 7 of 4.
  const stepped = (id: number) => ({
    SLURM_ARRAY_TASK_ID: `${id}`,
    SLURM_ARRAY_TASK_MIN: "1",
    SLURM_ARRAY_TASK_MAX: "7",
    SLURM_ARRAY_TASK_STEP: "2",
    SLURM_ARRAY_TASK_COUNT: "4",
  });
  assertEquals([1, 3, 5, 7].map((id) => shardFromEnv(env(stepped(id)))?.index), [1, 2, 3, 4]);
  assertEquals(shardFromEnv(env(stepped(7)))?.count, 4);
  // --array=1,2,5: Slurm sets STEP=1, MIN=1, MAX=5, COUNT=3. Every task is refused (before,
  // ids 1 and 2 ran as shards 1/3 and 2/3 and shard 3/3 never ran).
  for (const id of [1, 2, 5]) {
    throws(
      () =>
        shardFromEnv(env({
          SLURM_ARRAY_TASK_ID: `${id}`,
          SLURM_ARRAY_TASK_MIN: "1",
          SLURM_ARRAY_TASK_MAX: "5",
          SLURM_ARRAY_TASK_STEP: "1",
          SLURM_ARRAY_TASK_COUNT: "3",
        })),
      /SLURM_ARRAY_TASK_MAX=5 is not a range of ids; submit the array as --array=A-B/,
    );
  }
  throws(
    () => shardFromEnv(env({ ...stepped(4) })),
    /SLURM_ARRAY_TASK_ID=4, .* is not a range of ids/,
  );
  assertEquals(shardFromEnv(env({ JOB_COMPLETION_INDEX: "2", GRID_SHARD_COUNT: "3" })), {
    index: 3,
    count: 3,
  });
  assertEquals(shardFromEnv(env({})), null);
  throws(() => shardFromEnv(env({ JOB_COMPLETION_INDEX: "0" })), /GRID_SHARD_COUNT is not/);
  throws(
    () => shardFromEnv(env({ JOB_COMPLETION_INDEX: "3", GRID_SHARD_COUNT: "3" })),
    /JOB_COMPLETION_INDEX=3, GRID_SHARD_COUNT=3 is not a shard/,
  );
  throws(() => shardFromEnv(env({ SLURM_ARRAY_TASK_ID: "1" })), /SLURM_ARRAY_TASK_COUNT=undefined/);
});

Deno.test("a run id covers every field that changes a run, and nothing else", async () => {
  const run = { method: "lalc", batchSize: 32, depth: 2, seed: 1, baseLr: 0.1 } as const;
  const id = await runId(SMOKE, run);
  const changed = [
    { ...SMOKE, epochs: 4 },
    { ...SMOKE, model: { ...SMOKE.model, width: 64 } },
    { ...SMOKE, dataset: { name: "synthetic" as const } },
    { ...SMOKE, evalSamples: 100 },
    { ...SMOKE, evalPoints: 7 },
    { ...SMOKE, lrGrid: { ...SMOKE.lrGrid, points: 7 } },
    { ...SMOKE, divergenceFactor: 3 },
    { ...SMOKE, targetAccuracy: 0.5 },
    { ...SMOKE, traceSteps: 0 },
  ];
  for (const g of changed) assert(await runId(g, run) !== id, JSON.stringify(g).slice(0, 80));
  for (const key of [{ ...run, seed: 2 }, { ...run, baseLr: 0.2 }, { ...run, depth: 8 }]) {
    assert(await runId(SMOKE, key) !== id);
  }
  // Which runs exist, and prose, do not change what a run computes.
  const same = [
    { ...SMOKE, name: "renamed", description: "reworded" },
    { ...SMOKE, seeds: [1, 2, 3], batchSizes: [32, 64], depths: [2], methods: ["lalc" as const] },
    // Key order does not matter.
    { ...SMOKE, model: { width: SMOKE.model.width, kind: SMOKE.model.kind } },
  ];
  for (const g of same) assertEquals(await runId(g, run), id);
});
