/**
 * The one command-line entry point: `deno run src/cli.ts <command> [options]`.
 *
 * Each command lives in the folder of its concern and is loaded only when asked for, so
 * `train` never pays for the plotting library and `gate` never starts a backend.
 *
 * Every failure a command expects (bad arguments, unreadable or unwritable files, bad data)
 * ends as one line `<command>: <what was wrong>; <what to do>` on stderr, exit code 2 for a
 * usage error and 1 for an I/O or data error; never as a stack trace.
 *
 * @module
 */
import { guard } from "./cli/guard.ts";

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
  reproduce: {
    summary: "re-run rows of a results folder and report drift from the committed values",
    load: async () => (await import("./suite/reproduce_cli.ts")).reproduceMain,
  },
  "derive-thresholds": {
    summary: "derive a preset's gate floors from results folders of it",
    load: async () => (await import("./suite/derive_thresholds.ts")).deriveThresholdsMain,
  },
  "gate-power": {
    summary: "measure the gate's false alarms and power, and write the preset's floors",
    load: async () => (await import("./suite/gate_power.ts")).gatePowerMain,
  },
  merge: {
    summary: "merge the results folders of a sharded grid into one",
    load: async () => (await import("./suite/cli.ts")).mergeMain,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(17)} ${c.summary}`);
  return `usage: cli.ts <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    "Run `cli.ts <command> --help` for a command's options.";
}

/**
 * Dispatches `args[0]` to its subcommand and returns the exit code; a known failure is
 * printed as one line (see src/cli/guard.ts).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { run } from "./cli.ts";
 * const quiet = console.error;
 * console.error = () => {};
 * try {
 *   assertEquals(await run(["fly"]), 2);
 *   assertEquals(await run(["gate"]), 2); // gate wants a results folder
 * } finally {
 *   console.error = quiet;
 * }
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h") {
    (name === undefined ? console.error : console.log)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(
      `cli.ts: unknown command "${name}"; allowed: ${Object.keys(COMMANDS).join(", ")}`,
    );
    return 2;
  }
  const main = await command.load();
  return await guard(name, () => main(rest));
}

if (import.meta.main) {
  Deno.exit(await run(Deno.args));
}
