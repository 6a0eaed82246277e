/**
 * For tests that need a fresh process (a module's import side effects, a permission left
 * out, WebGPU kept out of the test runner): runs a TypeScript snippet fed on stdin, or a
 * module file, in a child `deno run` from the repository root. Tests only.
 *
 * @module
 */

/** What the child did. */
export interface ChildOutcome {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** The repository root. */
const ROOT = new URL("../", import.meta.url).pathname;

/** Runs `script` with `deno run ...flags --ext=ts -` from the repository root. */
export async function runChildScript(script: string, flags: string[]): Promise<ChildOutcome> {
  const child = new Deno.Command("deno", {
    args: ["run", ...flags, "--ext=ts", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await ReadableStream.from([new TextEncoder().encode(script)]).pipeTo(child.stdin);
  return outcome(await child.output());
}

/** Runs the module at `url` as the main module: `deno run ...flags <its path>`. */
export async function runChildModule(url: URL, flags: string[]): Promise<ChildOutcome> {
  const command = new Deno.Command("deno", {
    args: ["run", ...flags, url.pathname],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
  return outcome(await command.output());
}

/**
 * Runs the module at `url` (as {@link runChildModule}) and returns its report: the last line
 * it printed, parsed as JSON. A child that printed no JSON object fails with its exit code
 * and the end of its stderr.
 */
export async function childJsonReport<T>(url: URL, flags: string[]): Promise<T> {
  const out = await runChildModule(url, flags);
  const last = out.stdout.trim().split("\n").at(-1) ?? "";
  if (!last.startsWith("{")) {
    throw new Error(`the child printed no result (exit ${out.code}):\n${out.stderr.slice(-2000)}`);
  }
  return JSON.parse(last);
}

function outcome(out: Deno.CommandOutput): ChildOutcome {
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}
