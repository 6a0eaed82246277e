/**
 * Files that a reader sees whole or not at all. Every command that writes a results file
 * (grid tables, summaries, plots, the diagnostics' CSVs) goes through here, so a run that is
 * killed, or that fails halfway, never leaves a half-written file behind.
 *
 * @module
 */

/**
 * Writes `data` (text or bytes) to `path` so that a reader sees the old file or the new
 * one, never half of one: a temporary file next to it, fsync, rename.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/meta.json`, "{}");
 * await writeFileAtomic(`${dir}/plot.png`, new Uint8Array([137, 80]));
 * assertEquals(await Deno.readTextFile(`${dir}/meta.json`), "{}");
 * assertEquals([...await Deno.readFile(`${dir}/plot.png`)], [137, 80]);
 * // No temporary file is left beside them.
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["meta.json", "plot.png"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true })
    .catch((e) => Promise.reject(namingPath(e, path)));
  try {
    try {
      await writeAll(file, bytes);
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    // The old file (if any) is untouched; take the partial temporary file away too.
    await Deno.remove(tmp).catch(() => {});
    throw namingPath(e, path);
  }
}

/**
 * Appends `text` to `path` and flushes it to disk before returning (the results tables grow
 * this way, one finished run at a time).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { appendDurably } from "./atomic.ts";
 * const path = await Deno.makeTempFile();
 * await appendDurably(path, "a\n");
 * await appendDurably(path, "b\n");
 * assertEquals(await Deno.readTextFile(path), "a\nb\n");
 * await Deno.remove(path);
 * ```
 */
export async function appendDurably(path: string, text: string): Promise<void> {
  if (text === "") return;
  try {
    const file = await Deno.open(path, { append: true, create: true });
    try {
      await writeAll(file, new TextEncoder().encode(text));
      await file.sync();
    } finally {
      file.close();
    }
  } catch (e) {
    throw namingPath(e, path);
  }
}

/**
 * `error` with `path` named in its message, when it does not name it already: Deno's errors
 * of a write or a sync on an open file (`No space left on device (os error 28)`) name no
 * file, and the user must know which one to make room for. The error keeps its class and
 * `code`, so callers still tell a full disk from a refused write.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { namingPath } from "./atomic.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * assertEquals(namingPath(full, "results/x/runs.csv").message, "No space left on device (os error 28), writing results/x/runs.csv");
 * ```
 */
export function namingPath<E>(error: E, path: string): E {
  if (error instanceof Error && !error.message.includes(path)) {
    error.message = `${error.message}, writing ${path}`;
  }
  return error;
}

/** `Deno.FsFile.write` may write fewer bytes than asked; loop until all are out. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}
