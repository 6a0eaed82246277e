/**
 * What produced a results folder: hardware, backend, versions, git commit, grid, times.
 *
 * @module
 */
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
 * ```ts ignore
 * console.log(await gitCommit("."));
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

/** CPU model, core count, memory and OS, from what is readable without extra permissions. */
export async function hardwareInfo(): Promise<Record<string, unknown>> {
  const cpuinfo = await readText("/proc/cpuinfo");
  const meminfo = await readText("/proc/meminfo");
  const cpuModel = cpuinfo?.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
  const memKb = Number(meminfo?.match(/^MemTotal:\s*(\d+)/m)?.[1] ?? NaN);
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpuModel,
    logicalCores: navigator.hardwareConcurrency,
    memoryGiB: Number.isFinite(memKb) ? Math.round(memKb / 1048576 * 10) / 10 : null,
  };
}
