/**
 * What produced a results folder: hardware, backend, versions, git commit, grid, times.
 *
 * @module
 */
import os from "node:os";
import { GridSpecError, validateGridSpec } from "./grid_spec.ts";
import type { GridSpec } from "./types.ts";
import { parseKernelIdentity } from "../backend/kernel_identity.ts";
import type { KernelIdentity } from "../backend/kernel_identity.ts";

/** The versions and commit written into every run row. */
export interface Versions {
  /** `Deno.version.deno`. */
  readonly deno: string;
  /** tf.js core version. */
  readonly tfjs: string;
  /** Commit of the checkout (with `+dirty`-free plain hash), or `unknown`. */
  readonly gitCommit: string;
}

/** The part `--shard K/N` ran: cells whose index modulo `count` is `index - 1`. */
export interface ShardSpec {
  /** K, from 1 to `count`. */
  readonly index: number;
  /** N, the number of shards. */
  readonly count: number;
}

/** One resume of a folder that added runs: who resumed it, with what. */
export interface Resume {
  /** When it started. */
  readonly at: string;
  /** Its versions (they may differ from the first start's). */
  readonly versions: Versions;
  /** Its hardware. */
  readonly hardware: Record<string, unknown>;
  /** Finished runs it found. */
  readonly runsBefore: number;
  /** Error rows it removed to run again (`--retry-errors`). */
  readonly retriedErrors: number;
  /** The kernels it ran on (absent in folders of older versions). */
  readonly kernels?: KernelIdentity;
}

/** Contents of `meta.json`: the folder's identity (grid, backend, shard) and provenance. */
export interface Meta {
  readonly grid: GridSpec;
  readonly preset: string;
  readonly backend: string;
  /** Versions of the first start. */
  readonly versions: Versions;
  /** Hardware of the first start. */
  readonly hardware: Record<string, unknown>;
  /**
   * What determined the numbers: backend, library versions, instruction set, core type and
   * threads per run (every resume must match it). Absent in folders of older versions.
   */
  readonly kernels?: KernelIdentity;
  /** When the grid first started (kept across resumes). */
  readonly startedAt: string;
  /** When each resume that added runs started. */
  readonly resumedAt: string[];
  /** Each resume that added runs, in order (absent in folders of older versions). */
  readonly resumes?: Resume[];
  /** When the last start finished every run; null while unfinished. */
  readonly endedAt: string | null;
  /** Finished runs when written. */
  readonly runs: number;
  /** The shard this folder holds; absent or null for a whole grid. */
  readonly shard?: ShardSpec | null;
  /** For a folder written by `merge`: the shard folders it came from. */
  readonly mergedFrom?: readonly { dir: string; shard: ShardSpec; meta: Meta }[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks the text of a `meta.json` and returns it typed.
 *
 * @throws {Error} saying what is wrong (the caller adds the path and what to do).
 * @example
 * ```ts
 * import { parseMeta } from "./meta.ts";
 * let why = "";
 * try {
 *   parseMeta('{"foo":1}');
 * } catch (e) {
 *   why = (e as Error).message;
 * }
 * if (!why.includes("grid")) throw new Error("a meta.json without a grid passed");
 * ```
 */
export function parseMeta(text: string): Meta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(value)) throw new Error("not a JSON object");
  try {
    validateGridSpec(value.grid);
  } catch (e) {
    const why = e instanceof GridSpecError ? e.problems[0] : (e as Error).message;
    throw new Error(`its grid is not valid (${why})`);
  }
  const want = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${what} is missing or malformed`);
  };
  want(typeof value.backend === "string", "backend");
  const v = value.versions;
  want(
    isObj(v) && typeof v.deno === "string" && typeof v.tfjs === "string" &&
      typeof v.gitCommit === "string",
    "versions",
  );
  want(typeof value.startedAt === "string", "startedAt");
  want(
    Array.isArray(value.resumedAt) && value.resumedAt.every((x) => typeof x === "string"),
    "resumedAt",
  );
  want(value.endedAt === null || typeof value.endedAt === "string", "endedAt");
  want(typeof value.runs === "number", "runs");
  want(value.kernels === undefined || parseKernelIdentity(value.kernels) !== undefined, "kernels");
  const s = value.shard;
  want(
    s === undefined || s === null ||
      (isObj(s) && Number.isInteger(s.count) && Number.isInteger(s.index) &&
        (s.index as number) >= 1 && (s.index as number) <= (s.count as number)),
    "shard",
  );
  return value as unknown as Meta;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit checked out at `root`, read from `.git` directly (no `git` process, so the grid
 * needs no --allow-run), or `unknown`. In a linked worktree or a submodule `.git` is a file
 * (`gitdir: PATH`): HEAD is read there, and refs also in the repository's common directory.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { gitCommit } from "./meta.ts";
 * assertEquals(await gitCommit("/nonexistent"), "unknown");
 * assertEquals(/^([0-9a-f]{40}|unknown)$/.test(await gitCommit(".")), true);
 * ```
 */
export async function gitCommit(root: string): Promise<string> {
  const dirs = await gitDirs(root);
  if (dirs === undefined) return "unknown";
  const head = await readText(`${dirs.gitDir}/HEAD`);
  if (head === undefined) return "unknown";
  if (!head.startsWith("ref: ")) return head;
  const ref = head.slice(5);
  for (const dir of new Set([dirs.gitDir, dirs.commonDir])) {
    const loose = await readText(`${dir}/${ref}`);
    if (loose) return loose;
  }
  const packed = await readText(`${dirs.commonDir}/packed-refs`);
  const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line?.split(" ")[0] ?? "unknown";
}

/** Where a checkout keeps HEAD (`gitDir`) and its shared refs (`commonDir`). */
async function gitDirs(root: string): Promise<{ gitDir: string; commonDir: string } | undefined> {
  const dotGit = `${root}/.git`;
  const pointer = await readText(dotGit); // undefined for the usual .git folder
  if (pointer === undefined || !pointer.startsWith("gitdir: ")) {
    return { gitDir: dotGit, commonDir: dotGit };
  }
  const target = pointer.slice("gitdir: ".length);
  const gitDir = target.startsWith("/") ? target : `${root}/${target}`;
  const common = await readText(`${gitDir}/commondir`);
  if (common === undefined) return { gitDir, commonDir: gitDir };
  return { gitDir, commonDir: common.startsWith("/") ? common : `${gitDir}/${common}` };
}

/** Deno, tf.js and commit versions of this process. */
export async function currentVersions(root = "."): Promise<Versions> {
  // Loaded here, not at the top: readers of meta.json (gate, merge) never load tf.js.
  const tf = await import("@tensorflow/tfjs-core");
  return { deno: Deno.version.deno, tfjs: tf.version_core, gitCommit: await gitCommit(root) };
}

/**
 * CPU model, core count, memory and OS. Deno guards `/proc` behind --allow-all, so these
 * come from `node:os` and `Deno.systemMemoryInfo`, which need only
 * `--allow-sys=cpus,systemMemoryInfo` (the grid task grants it); without it they are
 * `unknown`/null.
 */
export function hardwareInfo(): Record<string, unknown> {
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined; // no --allow-sys: leave the field unknown
    }
  };
  const memoryBytes = attempt(() => Deno.systemMemoryInfo().total);
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpuModel: attempt(() => os.cpus()[0]?.model) ?? "unknown",
    logicalCores: navigator.hardwareConcurrency,
    memoryGiB: memoryBytes === undefined ? null : Math.round(memoryBytes / 2 ** 30 * 10) / 10,
  };
}
