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

function outcome(out: Deno.CommandOutput): ChildOutcome {
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}
