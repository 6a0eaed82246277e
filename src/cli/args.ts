/**
 * The one argument parser of every command: options, `-h`/`--help`, positional arguments,
 * values, and the one error class. A failure is one line `<command>: <what was wrong, with
 * the value>; <what is allowed>`, exit code 2 for a usage error and 1 for an I/O or data
 * error (see {@link guard}).
 *
 * Why not node:util's `parseArgs`: it refuses `--max-runs -3` as "ambiguous" instead of
 * reading the value and saying what is allowed, and its messages name no command.
 *
 * @module
 */

/**
 * A failure a command reports as one line and an exit code: 2 (the default) when the command
 * line is wrong, 1 when a file or the data is.
 */
export class CliError extends Error {
  /** The process exit code: 2 usage, 1 I/O or data. */
  readonly exitCode: 1 | 2;
  /**
   * @param message what was wrong, with the value; what is allowed or what to do.
   * @param exitCode 2 for a usage error (default), 1 for an I/O or data error.
   */
  constructor(message: string, exitCode: 1 | 2 = 2) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** One option of a command: a string value or a boolean switch. */
export interface OptionSpec {
  /** `string` takes the next argument (or `--name=value`); `boolean` takes none. */
  readonly type: "string" | "boolean";
  /** The value when the option is not given (string options only). */
  readonly default?: string;
}

/** The options of a command, by long name without the dashes. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What {@link parseCommand} returns for `specs`: strings, booleans, or undefined. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K]["type"] extends "boolean" ? boolean
    : O[K]["default"] extends string ? string
    : string | undefined;
};

/** A command's arguments: its name (for messages), help text, options and positionals. */
export interface CommandSpec<O extends OptionSpecs> {
  /** As the user types it after `cli.ts`: `grid`, `explode train`. */
  readonly name: string;
  /** The `--help` text; its first line is `usage: cli.ts <name> ...`. */
  readonly help: string;
  /** The options (`help` is implied). */
  readonly options: O;
  /** How many positional arguments are allowed, and what they are (default: none). */
  readonly positionals?: { readonly min: number; readonly max: number; readonly what: string };
}

/**
 * Old spellings, refused with the new one named: every command that sweeps batch sizes takes
 * `--batch-size` with a comma list, and every run length is `--epochs`.
 */
export const RENAMED: Readonly<Record<string, string>> = {
  batch: "batch-size",
  "run-epochs": "epochs",
};

/** The parsed arguments of a command. */
export interface Parsed<O extends OptionSpecs> {
  /** Every option: its value, its default, `false` for an absent switch. */
  readonly values: OptionValues<O>;
  /** The positional arguments, in order. */
  readonly positionals: string[];
}

/**
 * Parses `args` against `spec`. Returns `undefined` after printing the help text for `-h` or
 * `--help`; throws a {@link CliError} (exit 2) for an unknown option, a missing value, an
 * old spelling or the wrong number of positional arguments. A value may start with `-`
 * (`--max-runs -3` is read as the value "-3", which the option's check then refuses).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { parseCommand } from "./args.ts";
 * const spec = {
 *   name: "demo",
 *   help: "usage: cli.ts demo [--n N] [--json]",
 *   options: { n: { type: "string", default: "1" }, json: { type: "boolean" } },
 * } as const;
 * assertEquals(parseCommand(spec, ["--n", "-3"])?.values, { n: "-3", json: false });
 * assertEquals(parseCommand(spec, ["--n=4", "--json"])?.values, { n: "4", json: true });
 * assertThrows(() => parseCommand(spec, ["--size", "2"]), /unknown option "--size"; allowed: --n, --json/);
 * ```
 */
export function parseCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  args: readonly string[],
): Parsed<O> | undefined {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    values[name] = o.type === "boolean" ? false : o.default;
  }
  const positionals: string[] = [];
  const allowed = () =>
    `allowed: ${[...Object.keys(spec.options).map((n) => `--${n}`), "-h, --help"].join(", ")}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") {
      console.log(spec.help);
      return undefined;
    }
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw new CliError(`unknown option "${arg}"; ${allowed()}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const option = spec.options[name];
    if (option === undefined) {
      const renamed = RENAMED[name];
      if (renamed !== undefined && renamed in spec.options) {
        throw new CliError(`--${name} is now --${renamed}; write --${renamed}`);
      }
      throw new CliError(`unknown option "--${name}"; ${allowed()}`);
    }
    if (option.type === "boolean") {
      if (eq >= 0) throw new CliError(`--${name} takes no value; got "${arg}"`);
      values[name] = true;
    } else if (eq >= 0) {
      values[name] = arg.slice(eq + 1);
    } else if (i + 1 < args.length) {
      values[name] = args[++i];
    } else {
      throw new CliError(`--${name} needs a value; see cli.ts ${spec.name} --help`);
    }
  }
  const p = spec.positionals ?? { min: 0, max: 0, what: "no positional arguments" };
  if (positionals.length > p.max) {
    throw new CliError(`unexpected argument "${positionals[p.max]}"; expected ${p.what}`);
  }
  if (positionals.length < p.min) {
    throw new CliError(`missing argument; expected ${p.what}`);
  }
  return { values: values as OptionValues<O>, positionals };
}

/**
 * Parses `--name value` as an integer in [min, max].
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { intOption } from "./args.ts";
 * assertEquals(intOption("max-runs", "3", 1), 3);
 * assertThrows(() => intOption("max-runs", "-3", 1), /--max-runs: "-3" is not allowed; expected an integer >= 1/);
 * ```
 */
export function intOption(name: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new CliError(`--${name}: "${value}" is not allowed; expected ${range}`);
  }
  return n;
}

/**
 * Parses `--name value` as a finite number in [min, max].
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { numberOption } from "./args.ts";
 * assertEquals(numberOption("lr", "0.1", 0), 0.1);
 * assertThrows(() => numberOption("lr", "NaN", 0), /--lr: "NaN" is not allowed; expected a number >= 0/);
 * ```
 */
export function numberOption(name: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Infinity ? `a number >= ${min}` : `a number in [${min}, ${max}]`;
    throw new CliError(`--${name}: "${value}" is not allowed; expected ${range}`);
  }
  return n;
}

/**
 * Checks `--name value` against a list of allowed choices.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { choiceOption } from "./args.ts";
 * assertEquals(choiceOption("model", "mlp", ["mlp", "cnn"]), "mlp");
 * assertThrows(() => choiceOption("model", "vit", ["mlp", "cnn"]), /expected one of mlp, cnn/);
 * ```
 */
export function choiceOption<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliError(
      `--${name}: "${value}" is not allowed; expected one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}

/**
 * Splits `--name a,b,c` and parses each item with `parse` (which names `name` on failure).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * import { intOption, listOption } from "./args.ts";
 * assertEquals(listOption("batch-size", "8,256", (n, s) => intOption(n, s, 2)), [8, 256]);
 * assertThrows(() => listOption("batch-size", "8,,256", (n, s) => intOption(n, s, 2)), /comma-separated/);
 * ```
 */
export function listOption<T>(
  name: string,
  value: string,
  parse: (name: string, item: string) => T,
): T[] {
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) {
    throw new CliError(`--${name}: "${value}" is not allowed; expected a comma-separated list`);
  }
  return items.map((item) => parse(name, item));
}
