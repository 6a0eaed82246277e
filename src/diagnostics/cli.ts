/**
 * The `explode` command: `explode [init] [options]` measures the explosion at
 * initialization, `explode train [options]` traces it over the first steps of training,
 * `explode mechanism [options]` tests whether activation correlation offsets it.
 *
 * @module
 */
import { UsageError } from "./_args.ts";
import { initMain } from "./init_command.ts";

/**
 * Runs `explode` with `args` (without the command name); returns the exit code: 0 on
 * success, 2 on a usage error (unknown option, impossible value), 1 on a failure.
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["--batch", "8,256", "--json"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  try {
    if (args[0] === "train") {
      const { trainMain } = await import("./train_command.ts");
      return await trainMain(args.slice(1));
    }
    if (args[0] === "mechanism") {
      const { mechanismMain } = await import("./mechanism_command.ts");
      return await mechanismMain(args.slice(1));
    }
    return await initMain(args[0] === "init" ? args.slice(1) : args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`explode: ${e.message}\nRun \`cli.ts explode --help\` for the options.`);
      return 2;
    }
    throw e;
  }
}
