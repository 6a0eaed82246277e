/**
 * The one place a command's failure becomes one line on stderr and an exit code: every
 * error the commands expect (bad arguments, unreadable or unwritable files, bad data) is
 * printed as `<command>: <message>`, never as a stack trace. An error of any other kind is
 * a bug, and is rethrown so its stack trace shows where.
 *
 * @module
 */
import { CliError } from "./args.ts";
import { BackendUnavailableError } from "../backend/unavailable.ts";
import type { BackendName } from "../backend/backend.ts";

/** A known failure: the line to print (without the command) and the exit code. */
export interface Failure {
  /** What was wrong and what to do. */
  readonly message: string;
  /** 2 usage, 1 I/O or data. */
  readonly exitCode: 1 | 2;
}

/** Error classes of Deno's file and system calls (`Deno.errors.*`). */
const DENO_ERRORS = Object.values(Deno.errors) as (new (...a: never[]) => Error)[];

/**
 * The one-line form of `e` when it is a failure the commands expect, else `undefined`.
 *
 * - {@link CliError}, or any error with an `exitCode` of 1 or 2: its message and exit code.
 * - `Deno.errors.NotCapable`: a permission the deno task does not grant (exit 2), with how
 *   to run the command with it.
 * - Any other `Deno.errors.*` error, or an error with an OS error code (`ENOSPC` for a full
 *   disk): exit 1; Deno's message names the file.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { describeFailure } from "./guard.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * assertEquals(describeFailure(full)?.exitCode, 1);
 * assertEquals(describeFailure(new TypeError("a bug")), undefined);
 * ```
 */
export function describeFailure(e: unknown): Failure | undefined {
  if (!(e instanceof Error)) return undefined;
  // CliError, and the error classes of other layers that join by carrying an exit code
  // (CsvParseError, GridSpecError) without importing this module.
  const exitCode = (e as { exitCode?: unknown }).exitCode;
  if (exitCode === 1 || exitCode === 2) return { message: e.message, exitCode };
  const oneLine = e.message.replaceAll("\n", "; ");
  if (e instanceof Deno.errors.NotCapable) {
    return {
      message: `${oneLine}; the deno task grants less: run \`deno run\` with that flag added ` +
        "to the task's flags (deno.json)",
      exitCode: 2,
    };
  }
  const code = (e as { code?: unknown }).code;
  if (
    DENO_ERRORS.some((c) => e instanceof c) || (typeof code === "string" && /^E[A-Z]+$/.test(code))
  ) {
    return { message: oneLine, exitCode: 1 };
  }
  return undefined;
}

/**
 * Runs a command's `body`; a known failure is printed as one line `<command>: <message>` and
 * its exit code returned. Anything else is rethrown (a bug: its stack trace is wanted).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { CliError } from "./args.ts";
 * import { guard } from "./guard.ts";
 * const quiet = console.error;
 * console.error = () => {};
 * try {
 *   assertEquals(await guard("demo", () => Promise.reject(new CliError("--n: \"x\" is not allowed"))), 2);
 *   assertEquals(await guard("demo", () => Promise.resolve(0)), 0);
 * } finally {
 *   console.error = quiet;
 * }
 * ```
 */
export async function guard(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const failure = describeFailure(e);
    if (failure === undefined) throw e;
    console.error(`${command}: ${failure.message}`);
    return failure.exitCode;
  }
}

/** What to type instead when `backend` cannot start, after the library's reason. */
function backendAdvice(backend: BackendName): string {
  if (backend === "wasm") return "use --backend cpu";
  if (backend === "tensorflow") return "or use --backend native or wasm";
  return "use --backend wasm";
}

/**
 * Starts a backend with `start`; one that cannot start (its libraries, its adapter or its
 * package missing) is a usage error, exit 2: another `--backend` is the fix. The message
 * keeps every line of the backend's own explanation, joined into one, and a
 * {@link BackendUnavailableError} gets the `--backend` to use instead. It first turns on
 * tf.js's production mode, which silences tf.js's warnings, among them the Node banner the
 * cpu backend prints ("Hi, looks like you are running TensorFlow.js in Node.js").
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { startBackend } from "./guard.ts";
 * await rejects(startBackend(() => Promise.reject(new Error("no GPU\ntry cpu"))), {
 *   exitCode: 2,
 *   message: "no GPU; try cpu",
 * });
 * ```
 */
export async function startBackend(start: () => Promise<unknown>): Promise<void> {
  // Loaded here, not at the top: commands that start no backend (gate) skip tf.js.
  (await import("@tensorflow/tfjs-core")).enableProdMode();
  try {
    await start();
  } catch (e) {
    const message = (e as Error).message.replaceAll("\n", "; ");
    throw new CliError(
      e instanceof BackendUnavailableError ? `${message}; ${backendAdvice(e.backend)}` : message,
    );
  }
}

/**
 * Runs `step` (loading data) and turns any error it throws into a
 * {@link CliError} with the same message and exit code 1: the loaders' messages already say
 * what is wrong with which file.
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { asInputError } from "./guard.ts";
 * await rejects(asInputError(() => Promise.reject(new Error("x.idx: truncated"))), { exitCode: 1 });
 * ```
 */
export async function asInputError<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as Error).message.replaceAll("\n", "; "), 1);
  }
}
