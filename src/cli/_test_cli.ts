/**
 * Test helpers: run `cli.ts <command>` as a user would (`deno run` with the permissions of
 * its task in deno.json, from the repository root) and check that a failure is one line.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok } from "node:assert/strict";

/** The repository root, with a trailing slash. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;
const TASKS: Record<string, string> = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;

/** What a command did. */
export interface Outcome {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** The `--allow-*` flags of `deno task <task>`. */
export function taskFlags(task: string): string[] {
  return TASKS[task].split(/\s+/).filter((w) => w.startsWith("--allow-"));
}

/** Runs `cli.ts <command> ...args` with the permissions of task `command`, from the root,
 * with `env` added to the environment. */
export async function cli(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  const out = await new Deno.Command("deno", {
    args: ["run", ...taskFlags(command), "src/cli.ts", command, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** What Deno prints on stderr while it waits for another process's node_modules lock. */
const DENO_LOCK_NOTICE = /^Blocking waiting for file lock on /;

/** The outcome is exit `code` with one stderr line `<command>: ` matching `message`. */
export function assertOneLine(r: Outcome, command: string, code: number, message: RegExp): void {
  const what = `${command}: ${r.stderr}`;
  assertEquals(r.code, code, what);
  ok(!/^\s+at |Uncaught|Stack backtrace/m.test(r.stderr), `stack trace: ${what}`);
  // Deno's own notice while another deno process (a test running beside this one) holds the
  // node_modules lock is not the command's output: it appeared under load, 2026-12-05.
  const lines = r.stderr.trim().split("\n").filter((l) => !DENO_LOCK_NOTICE.test(l));
  assertEquals(lines.length, 1, `one line: ${what}`);
  ok(lines[0].startsWith(`${command}: `), what);
  assertMatch(lines[0], message);
}

/** A fresh folder under results/ (the only place the tasks may write), relative to the
 * root, removed after `body`. */
export async function inResults(body: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(`${ROOT}results`, { recursive: true });
  const abs = await Deno.makeTempDir({ dir: `${ROOT}results`, prefix: "_cli_test_" });
  try {
    await body(abs.slice(ROOT.length));
  } finally {
    await Deno.remove(abs, { recursive: true });
  }
}

/** A copy of the committed results folder `results/<name>` in `dir`, returned as a path. */
export async function copyResults(name: string, dir: string): Promise<string> {
  const to = `${dir}/${name}`;
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(`${ROOT}results/${name}`)) {
    if (e.isFile && !e.name.startsWith(".")) {
      await Deno.copyFile(`${ROOT}results/${name}/${e.name}`, `${to}/${e.name}`);
    }
  }
  return to;
}
