/**
 * One of N disjoint parts of a grid, for running it on many machines: `--shard K/N`, or the
 * job engine's own variables. A grid is split by cell (method x batch size x depth), so a
 * cell's tuning and seed runs stay on one machine: cell `i` (in `gridCells` order) belongs
 * to shard `i mod N + 1`, which spreads the costly deep cells over every shard.
 *
 * @module
 */
import type { ShardSpec } from "./meta.ts";
import type { Cell } from "./plan.ts";

/** The environment variables a shard is read from when `--shard` is not given. */
export const SHARD_ENV = [
  "SLURM_ARRAY_TASK_ID",
  "SLURM_ARRAY_TASK_COUNT",
  "SLURM_ARRAY_TASK_MIN",
  "SLURM_ARRAY_TASK_MAX",
  "SLURM_ARRAY_TASK_STEP",
  "JOB_COMPLETION_INDEX",
  "GRID_SHARD_COUNT",
] as const;

/** Most shards a grid can be split into. */
export const MAX_SHARDS = 10_000;

/**
 * Parses `K/N` (1 <= K <= N <= {@link MAX_SHARDS}).
 *
 * @throws {Error} `<what was wrong>; expected K/N ...` (the CLI adds `--shard`).
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * const s = parseShard("2/4");
 * if (s.index !== 2 || s.count !== 4) throw new Error("misread");
 * ```
 */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index >= 1 && count >= index && count <= MAX_SHARDS)) {
    throw new Error(
      `"${text}" is not allowed; expected K/N with 1 <= K <= N <= ${MAX_SHARDS}, e.g. 1/4`,
    );
  }
  return { index, count };
}

/**
 * The shard the job engine asks for, from `env` (a reader of environment variables):
 * a Slurm job array, or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX` + 1 of
 * `GRID_SHARD_COUNT`, which the Job sets to its `completions`); null when neither is set.
 *
 * A Slurm array must be a range `--array=A-B` or `--array=A-B:S` (any A, B, step S; a `%`
 * limit is fine): task `SLURM_ARRAY_TASK_ID` is shard `(ID - MIN) / STEP + 1` of
 * `SLURM_ARRAY_TASK_COUNT`. Slurm 22.05 sets `_STEP` to 1 for a list such as `--array=1,2,5`,
 * whose ids have no such rank, so `_MAX` is checked to be `MIN + (COUNT - 1) * STEP`: every
 * task of a list is refused, rather than some running a wrong shard and one missing.
 *
 * @throws {Error} when the variables are set but inconsistent.
 * @example
 * ```ts
 * import { shardFromEnv } from "./shard.ts";
 * const env = { JOB_COMPLETION_INDEX: "0", GRID_SHARD_COUNT: "3" } as Record<string, string>;
 * const s = shardFromEnv((k) => env[k]);
 * if (s?.index !== 1 || s.count !== 3) throw new Error("misread");
 * // --array=1-7:2, the task with id 5: the third of 4.
 * const slurm: Record<string, string> = {
 *   SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "7",
 *   SLURM_ARRAY_TASK_STEP: "2", SLURM_ARRAY_TASK_COUNT: "4",
 * };
 * const t = shardFromEnv((k) => slurm[k]);
 * if (t?.index !== 3 || t.count !== 4) throw new Error("misread");
 * if (shardFromEnv(() => undefined) !== null) throw new Error("a shard from nothing");
 * ```
 */
export function shardFromEnv(env: (name: string) => string | undefined): ShardSpec | null {
  const id = env("SLURM_ARRAY_TASK_ID");
  if (id !== undefined) return slurmShard(id, env);
  const index = env("JOB_COMPLETION_INDEX");
  if (index !== undefined) {
    const count = env("GRID_SHARD_COUNT");
    if (count === undefined) {
      throw new Error(
        `JOB_COMPLETION_INDEX=${index} is set but GRID_SHARD_COUNT is not; set it to the ` +
          "Indexed Job's completions (see examples/k8s-indexed-job.yaml), or give --shard",
      );
    }
    return fromVariables(
      `${Number(index) + 1}/${count}`,
      `JOB_COMPLETION_INDEX=${index}, GRID_SHARD_COUNT=${count}`,
    );
  }
  return null;
}

/** The shard of Slurm array task `id` (see {@link shardFromEnv}). */
function slurmShard(id: string, env: (name: string) => string | undefined): ShardSpec {
  const count = env("SLURM_ARRAY_TASK_COUNT");
  // Absent in hand-set environments (and older Slurm): a plain range from 0, step 1.
  const min = env("SLURM_ARRAY_TASK_MIN") ?? "0";
  const step = env("SLURM_ARRAY_TASK_STEP") ?? "1";
  const max = env("SLURM_ARRAY_TASK_MAX");
  const what = `SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_MIN=${min}, ` +
    `SLURM_ARRAY_TASK_COUNT=${count}, SLURM_ARRAY_TASK_STEP=${step}` +
    (max === undefined ? "" : `, SLURM_ARRAY_TASK_MAX=${max}`);
  const [i, lo, n, s] = [id, min, count ?? "", step].map((v) => /^\d+$/.test(v) ? Number(v) : NaN);
  if (
    !(s >= 1) || (max !== undefined && Number(max) !== lo + (n - 1) * s) || (i - lo) % s !== 0
  ) {
    throw new Error(
      `${what} is not a range of ids; submit the array as --array=A-B or A-B:STEP ` +
        "(not a list), or give --shard",
    );
  }
  return fromVariables(`${(i - lo) / s + 1}/${count}`, what);
}

function fromVariables(text: string, what: string): ShardSpec {
  try {
    return parseShard(text);
  } catch {
    throw new Error(`${what} is not a shard; expected an index below the count (or --shard)`);
  }
}

/** Whether cell number `index` (in `gridCells` order) belongs to `shard` (every cell does
 * when `shard` is null). */
export function inShard(index: number, shard: ShardSpec | null | undefined): boolean {
  return !shard || index % shard.count === shard.index - 1;
}

/**
 * The cells of `cells` that `shard` runs, in order.
 *
 * @example
 * ```ts
 * import { shardCells } from "./shard.ts";
 * const cells = [1, 2, 3, 4, 5].map((depth) => ({ method: "lalc", batchSize: 32, depth } as const));
 * const mine = shardCells(cells, { index: 2, count: 2 }).map((c) => c.depth);
 * if (mine.join() !== "2,4") throw new Error(`got ${mine}`);
 * ```
 */
export function shardCells<C extends Cell>(
  cells: readonly C[],
  shard: ShardSpec | null | undefined,
): C[] {
  return cells.filter((_, i) => inShard(i, shard));
}
