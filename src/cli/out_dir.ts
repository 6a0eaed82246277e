/**
 * The output folder of a command, checked before anything is computed: a command that
 * would fail to write its results fails at once, with the permission it lacks explained,
 * instead of after the backend, the data and the measurement.
 *
 * @module
 */
import { CliError } from "./args.ts";

/**
 * Checks that `path` (the value of `--<option>` of `command`) can take the command's files,
 * and creates it. Throws a {@link CliError}: exit 2 for an empty path, a path outside what
 * this process may write (the deno tasks may write only under `results/`) or a file where a
 * folder is expected; exit 1 when the folder cannot be created or written.
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { checkOutDir } from "./out_dir.ts";
 * await rejects(checkOutDir("grid", "out", ""), /--out: "" is not allowed; expected a folder/);
 * ```
 */
export async function checkOutDir(command: string, option: string, path: string): Promise<void> {
  if (path.trim() === "") {
    throw new CliError(`--${option}: "${path}" is not allowed; expected a folder path`);
  }
  const { state } = await Deno.permissions.query({ name: "write", path });
  if (state !== "granted") {
    throw new CliError(
      `--${option}: "${path}" is outside what this command may write (the deno task may ` +
        `write only under results/); write under results/, or run it as ` +
        `\`deno run --allow-write=${path} <the task's other flags, see deno.json> src/cli.ts ` +
        `${command} --${option} ${path} ...\``,
    );
  }
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new CliError(`--${option}: cannot read "${path}" (${(e as Error).message})`, 1);
    }
  }
  if (info !== undefined && !info.isDirectory) {
    throw new CliError(`--${option}: "${path}" is a file; expected a folder`);
  }
  try {
    await Deno.mkdir(path, { recursive: true });
    // A probe file, removed at once: a read-only folder or file system is found now.
    await Deno.remove(await Deno.makeTempFile({ dir: path, prefix: ".write-check-" }));
  } catch (e) {
    throw new CliError(
      `--${option}: cannot write in "${path}" (${(e as Error).message}); pick a writable folder`,
      1,
    );
  }
}
