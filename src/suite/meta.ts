/**
 * What produced a results folder: hardware, backend, versions, git commit, grid, times.
 *
 * @module
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import type { GridSpec } from "./types.ts";

/** The versions and commit written into every run row. */
export interface Versions {
  /** `Deno.version.deno`. */
  readonly deno: string;
  /** tf.js core version. */
  readonly tfjs: string;
  /** Commit of the checkout (with `+dirty`-free plain hash), or `unknown`. */
  readonly gitCommit: string;
}

/** Contents of `meta.json`. */
export interface Meta {
  readonly grid: GridSpec;
  readonly preset: string;
  readonly backend: string;
  readonly versions: Versions;
  readonly hardware: Record<string, unknown>;
  /** When the grid first started (kept across resumes). */
  readonly startedAt: string;
  /** When each resume started. */
  readonly resumedAt: string[];
  /** When the last start finished every run; null while unfinished. */
  readonly endedAt: string | null;
  /** Finished runs when written. */
  readonly runs: number;
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
 * needs no --allow-run), or `unknown`.
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
  const head = await readText(`${root}/.git/HEAD`);
  if (head === undefined) return "unknown";
  if (!head.startsWith("ref: ")) return head;
  const ref = head.slice(5);
  const loose = await readText(`${root}/.git/${ref}`);
  if (loose) return loose;
  const packed = await readText(`${root}/.git/packed-refs`);
  const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line?.split(" ")[0] ?? "unknown";
}

/** Deno, tf.js and commit versions of this process. */
export async function currentVersions(root = "."): Promise<Versions> {
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
