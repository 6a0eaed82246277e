/**
 * Merging the folders of a sharded grid (`grid --shard K/N` on N machines) into one folder
 * equal to a single-machine run: the same `runs.csv`, `curves.csv` and `layer_rates.csv`
 * rows in the same order (cell order, each cell's runs in the order its shard ran them),
 * so `gate`, `report` and the plots work on it unchanged.
 *
 * @module
 */
import { writeFileAtomic } from "../output/atomic.ts";
import { toCsv } from "../output/csv.ts";
import { sameGrid } from "./grid_spec.ts";
import { FolderLock } from "./lock.ts";
import { kernelDifferences } from "../backend/kernel_identity.ts";
import type { Meta, ShardSpec } from "./meta.ts";
import { gridCells, runId } from "./plan.ts";
import { CURVE_COLUMNS, LAYER_RATE_COLUMNS } from "./schema.ts";
import type { RunRow } from "./schema.ts";
import { inShard } from "./shard.ts";
import { FILES, readResults, ResultsError } from "./store.ts";
import type { ResultsFolder } from "./store.ts";

/** What {@link mergeShards} wrote. */
export interface MergeResult {
  /** The merged rows, in run order. */
  readonly rows: readonly RunRow[];
  /** The merged meta.json. */
  readonly meta: Meta;
}

const versionsText = (m: Meta) =>
  `deno ${m.versions.deno}, tfjs ${m.versions.tfjs}, commit ${m.versions.gitCommit}`;

/**
 * Checks the shard folders `dirs` and writes their merge into `out` (a new or empty folder).
 * Every shard must hold the same grid (same identity: every field but the description),
 * backend and versions, be finished, and together be shards 1..N of one N, each once; no
 * run may appear twice, and every row must be of its shard's cells with the id the grid
 * gives it.
 *
 * @throws {ResultsError} naming the folder and what is wrong, before anything is written.
 * @example
 * ```ts ignore
 * await mergeShards(["results/s1", "results/s2"], "results/merged");
 * ```
 */
export async function mergeShards(dirs: readonly string[], out: string): Promise<MergeResult> {
  if (dirs.length === 0) throw new ResultsError("merge: no shard folder given");
  const shards: { dir: string; folder: ResultsFolder; meta: Meta; shard: ShardSpec }[] = [];
  for (const dir of dirs) {
    const folder = await readResults(dir);
    const meta = folder.meta;
    if (meta === undefined) {
      throw new ResultsError(`${dir}: no ${FILES.meta}; merge takes folders of grid --shard K/N`);
    }
    if (!meta.shard) {
      throw new ResultsError(
        `${dir} holds a whole grid, not a shard (its ${FILES.meta} has no shard); merge takes ` +
          "folders of grid --shard K/N",
      );
    }
    shards.push({ dir, folder, meta, shard: meta.shard });
  }
  const first = shards[0];
  const count = first.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    if (!sameGrid(s.meta.grid, first.meta.grid)) {
      throw new ResultsError(
        `${s.dir} ran another grid than ${first.dir} ("${s.meta.grid.name}" vs ` +
          `"${first.meta.grid.name}", or other settings); merge only shards of one grid`,
      );
    }
    if (s.meta.backend !== first.meta.backend) {
      throw new ResultsError(
        `${s.dir} ran on backend ${s.meta.backend}, ${first.dir} on ${first.meta.backend}; ` +
          "merge only shards of one backend",
      );
    }
    if (versionsText(s.meta) !== versionsText(first.meta)) {
      throw new ResultsError(
        `${s.dir} ran with ${versionsText(s.meta)}, ${first.dir} with ${
          versionsText(first.meta)
        }; merge only shards of the same versions`,
      );
    }
    const kernelsDiffer = s.meta.kernels && first.meta.kernels
      ? kernelDifferences(first.meta.kernels, s.meta.kernels)
      : [];
    if (kernelsDiffer.length > 0) {
      throw new ResultsError(
        `${s.dir} ran on other kernels than ${first.dir} (${kernelsDiffer.join("; ")}); ` +
          "merge only shards of one kernel identity (the same --threads and kernel mode on " +
          "machines with the same libraries)",
      );
    }
    if (s.folder.runColumns.join(",") !== first.folder.runColumns.join(",")) {
      throw new ResultsError(
        `${s.dir}/${FILES.runs} has other columns than ${first.dir}/${FILES.runs} (made by ` +
          "another version); merge only shards of one version",
      );
    }
    if (s.shard.count !== count) {
      throw new ResultsError(
        `${s.dir} is shard ${s.shard.index}/${s.shard.count}, ${first.dir} is one of ${count}; ` +
          "merge only shards of one split",
      );
    }
    const other = byIndex.get(s.shard.index);
    if (other !== undefined) {
      throw new ResultsError(`${s.dir} and ${other} are both shard ${s.shard.index}/${count}`);
    }
    byIndex.set(s.shard.index, s.dir);
    if (s.meta.endedAt === null) {
      throw new ResultsError(
        `${s.dir}: shard ${s.shard.index}/${count} is unfinished (${s.folder.rows.length} runs); ` +
          "run its grid command again to finish it",
      );
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new ResultsError(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} ` +
        "missing; give every shard's folder",
    );
  }

  // Rows in cell order; within a cell, as its shard ran them.
  const grid = first.meta.grid;
  const cellIndex = new Map(
    gridCells(grid).map((c, i) => [`${c.method}|${c.batchSize}|${c.depth}`, i] as const),
  );
  const seen = new Map<string, string>();
  const entries: { order: number; at: number; record: Record<string, string>; row: RunRow }[] = [];
  for (const s of shards) {
    for (const [at, row] of s.folder.rows.entries()) {
      const where = `${s.dir}/${FILES.runs} (run ${row.runId})`;
      const index = cellIndex.get(`${row.method}|${row.batchSize}|${row.depth}`);
      if (index === undefined || !inShard(index, s.shard)) {
        throw new ResultsError(
          `${where}: ${row.method} batch ${row.batchSize} depth ${row.depth} is not a cell of ` +
            `shard ${s.shard.index}/${count}`,
        );
      }
      if (await runId(grid, row) !== row.runId) {
        throw new ResultsError(`${where}: the run id is not the grid's id for that run`);
      }
      const twice = seen.get(row.runId);
      if (twice !== undefined) {
        throw new ResultsError(`${where}: the run is also in ${twice}; a run may appear once`);
      }
      seen.set(row.runId, s.dir);
      entries.push({ order: index, at, record: s.folder.runRecords[at], row });
    }
  }
  entries.sort((a, b) => a.order - b.order || a.at - b.at);
  const position = new Map(entries.map((e, i) => [e.row.runId, i] as const));
  const ordered = (pick: (f: ResultsFolder) => Record<string, string>[]) =>
    shards.flatMap((s) => pick(s.folder).map((cells, at) => ({ cells, at })))
      .sort((a, b) => position.get(a.cells.run_id)! - position.get(b.cells.run_id)! || a.at - b.at)
      .map((x) => x.cells);
  const table = (columns: readonly string[], records: Record<string, string>[]) =>
    toCsv([columns as string[]]) + toCsv(records.map((r) => columns.map((c) => r[c])));

  const meta: Meta = {
    grid,
    preset: grid.name,
    backend: first.meta.backend,
    versions: first.meta.versions,
    hardware: first.meta.hardware,
    ...(first.meta.kernels ? { kernels: first.meta.kernels } : {}),
    startedAt: shards.map((s) => s.meta.startedAt).sort()[0],
    resumedAt: [],
    resumes: [],
    endedAt: shards.map((s) => s.meta.endedAt!).sort().at(-1)!,
    runs: entries.length,
    shard: null,
    mergedFrom: [...shards].sort((a, b) => a.shard.index - b.shard.index)
      .map((s) => ({ dir: s.dir, shard: s.shard, meta: s.meta })),
  };

  try {
    await Deno.mkdir(out, { recursive: true });
  } catch (e) {
    throw new ResultsError(`${out}: cannot create the folder (${(e as Error).message})`);
  }
  const lock = await FolderLock.acquire(out);
  try {
    for (const f of [FILES.runs, FILES.meta]) {
      const there = await Deno.stat(`${out}/${f}`).then(() => true, () => false);
      if (there) {
        throw new ResultsError(
          `${out} already holds results (${f}); merge into a new or empty --out folder`,
        );
      }
    }
    // meta.json last: a merge cut short leaves no folder that looks finished.
    await writeFileAtomic(
      `${out}/${FILES.curves}`,
      table(CURVE_COLUMNS, ordered((f) => f.curves)),
    );
    await writeFileAtomic(
      `${out}/${FILES.layerRates}`,
      table(LAYER_RATE_COLUMNS, ordered((f) => f.layerRates)),
    );
    // The shards' header: shards of an older version merge into a folder of that version.
    await writeFileAtomic(
      `${out}/${FILES.runs}`,
      table(first.folder.runColumns, entries.map((e) => e.record)),
    );
    await writeFileAtomic(`${out}/${FILES.meta}`, JSON.stringify(meta, null, 2) + "\n");
  } finally {
    lock.release();
  }
  return { rows: entries.map((e) => e.row), meta };
}
