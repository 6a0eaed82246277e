/**
 * The `explode` command: `explode [init] [options]` measures the explosion at
 * initialization, `explode train [options]` traces it over the first steps of training,
 * `explode mechanism [options]` tests whether activation correlation offsets it.
 *
 * @module
 */
import { initMain } from "./init_command.ts";

/**
 * Runs `explode` with `args` (without the command name); returns the exit code. Bad
 * arguments, an unwritable `--out` and unreadable data throw a `CliError` (src/cli/args.ts),
 * which src/cli.ts prints as one line.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
 * import { main } from "./cli.ts";
 * const log = console.log;
 * let printed = "";
 * console.log = (s: string) => (printed += s + "\n");
 * try {
 *   assertEquals(await main(["--depth", "4", "--width", "16", "--batch-size", "8", "--seeds", "1", "--backend", "cpu"]), 0);
 * } finally {
 *   console.log = log;
 * }
 * match(printed, /batch     8 .*: mean ratio \d\.\d{4}/);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "train") {
    const { trainMain } = await import("./train_command.ts");
    return await trainMain(args.slice(1));
  }
  if (args[0] === "mechanism") {
    const { mechanismMain } = await import("./mechanism_command.ts");
    return await mechanismMain(args.slice(1));
  }
  return await initMain(args[0] === "init" ? args.slice(1) : args);
}
