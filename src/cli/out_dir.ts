/**
 * The outputs of a command, checked before anything is computed: a command that would fail
 * to write its results fails at once, with the permission it lacks explained, instead of
 * after the backend, the data and the measurement. The checks create nothing: a refused
 * command leaves no empty folder behind; the command creates its folder when it writes.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { CliError } from "./args.ts";

/** The folder every grid's results folder lives in (the deno tasks may write only there). */
export const RESULTS_ROOT = "results";

/** The file or folder at `path`, or undefined where there is none. */
async function statIfThere(option: string, path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    // A path under a file (ENOTDIR) does not exist either; the caller finds the file.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw new CliError(`--${option}: cannot read "${path}" (${(e as Error).message})`, 1);
  }
}

/** Refuses an empty path and one outside this process's write permission. */
async function checkPermitted(
  command: string,
  option: string,
  path: string,
  what: string,
  allowedUnder: string,
): Promise<void> {
  if (path.trim() === "") {
    throw new CliError(`--${option}: "${path}" is not allowed; expected a ${what} path`);
  }
  const { state } = await Deno.permissions.query({ name: "write", path });
  if (state !== "granted") {
    throw new CliError(
      `--${option}: "${path}" is outside what this command may write (the deno task may ` +
        `write only under ${allowedUnder}); write under ${allowedUnder}, or run it as ` +
        `\`deno run --allow-write=${path} <the task's other flags, see deno.json> src/cli.ts ` +
        `${command} --${option} ${path} ...\``,
    );
  }
}

/**
 * Checks that the folder `path` (the value of `--<option>` of `command`) could be written:
 * creates nothing, probes with a file removed at once. A folder that does not exist yet is
 * checked at its nearest existing parent. Throws a {@link CliError}: exit 2 for an empty
 * path, a path outside what this process may write (the deno tasks may write only under
 * `results/`), the results root itself, or a file where a folder is expected; exit 1 when
 * the folder or its parent cannot be written.
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { checkOutDir } from "./out_dir.ts";
 * await rejects(checkOutDir("grid", "out", ""), /--out: "" is not allowed; expected a folder path/);
 * ```
 */
export async function checkOutDir(command: string, option: string, path: string): Promise<void> {
  await checkPermitted(command, option, path, "folder", `${RESULTS_ROOT}/`);
  if (resolve(path) === resolve(RESULTS_ROOT)) {
    // Its files would mix with every grid's folder; `report` and `gate` could not read them.
    throw new CliError(
      `--${option}: "${path}" is the results root, which holds every grid's folder; ` +
        `expected a folder under it, e.g. ${RESULTS_ROOT}/<name>`,
    );
  }
  const info = await statIfThere(option, path);
  if (info !== undefined && !info.isDirectory) {
    throw new CliError(`--${option}: "${path}" is a file; expected a folder`);
  }
  await probeParent(option, path, info !== undefined ? path : await nearestExisting(option, path));
}

/**
 * Checks that the file `path` (the value of `--<option>` of `command`) could be written:
 * not empty, within this process's write permission (`allowedUnder` names what the deno
 * task grants), not a folder, and not under a file. Creates nothing.
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { checkOutFile } from "./out_dir.ts";
 * await rejects(checkOutFile("reproduce", "out", "/"), /--out: "\/" is a folder; expected a file path/);
 * ```
 */
export async function checkOutFile(
  command: string,
  option: string,
  path: string,
  allowedUnder = `${RESULTS_ROOT}/`,
): Promise<void> {
  await checkPermitted(command, option, path, "file", allowedUnder);
  const info = await statIfThere(option, path);
  if (info?.isDirectory) {
    throw new CliError(`--${option}: "${path}" is a folder; expected a file path`);
  }
  await nearestExisting(option, dirname(path));
}

/** The nearest folder at or above `path` that exists; a file there is refused. */
async function nearestExisting(option: string, path: string): Promise<string> {
  let at = resolve(path);
  while (true) {
    const info = await statIfThere(option, at);
    if (info !== undefined) {
      if (!info.isDirectory) {
        throw new CliError(`--${option}: "${path}" is under the file "${at}"; expected a folder`);
      }
      return at;
    }
    const up = dirname(at);
    if (up === at) return at;
    at = up;
  }
}

/** Writes and removes a probe file in `folder` when this process may write there: a
 * read-only folder or file system is found now. */
async function probeParent(option: string, path: string, folder: string): Promise<void> {
  const { state } = await Deno.permissions.query({ name: "write", path: folder });
  if (state !== "granted") return; // the folder is created below a granted path later
  try {
    await Deno.remove(await Deno.makeTempFile({ dir: folder, prefix: ".write-check-" }));
  } catch (e) {
    throw new CliError(
      `--${option}: cannot write in "${path}" (${(e as Error).message}); pick a writable folder`,
      1,
    );
  }
}
