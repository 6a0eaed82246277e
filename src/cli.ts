/**
 * The one command-line entry point: `deno run src/cli.ts <command> [options]`.
 *
 * Each command lives in the folder of its concern and is loaded only when asked for, so
 * `train` never pays for the plotting library and `gate` never starts a backend.
 *
 * @module
 */

/** A subcommand: takes its arguments, returns the process exit code. */
export type CommandMain = (args: string[]) => Promise<number>;

/** Subcommands, each loaded on demand from the module that owns it. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandMain> }> = {
  train: {
    summary: "train one model and print its metrics",
    load: async () => (await import("./train/cli.ts")).main,
  },
  explode: {
    summary: "measure the per-layer gradient explosion of a BN-ReLU network",
    load: async () => (await import("./diagnostics/cli.ts")).main,
  },
  grid: {
    summary: "run a benchmark grid (methods x batch sizes x depths x seeds)",
    load: async () => (await import("./suite/cli.ts")).gridMain,
  },
  gate: {
    summary: "check a results folder against fixtures/thresholds.json",
    load: async () => (await import("./suite/cli.ts")).gateMain,
  },
  report: {
    summary: "print the summary tables and draw the plots of a results folder",
    load: async () => (await import("./suite/cli.ts")).reportMain,
  },
  merge: {
    summary: "merge the results folders of a sharded grid into one",
    load: async () => (await import("./suite/cli.ts")).mergeMain,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: cli.ts <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    "Run `cli.ts <command> --help` for a command's options.";
}

/** Dispatches `args[0]` to its subcommand and returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`unknown command "${name}"; allowed: ${Object.keys(COMMANDS).join(", ")}`);
    return 2;
  }
  return await (await command.load())(rest);
}

if (import.meta.main) {
  Deno.exit(await run(Deno.args));
}
