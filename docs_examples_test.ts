/**
 * Every ```ts example of README.md and docs/*.md, pasted into a scratch project outside this
 * checkout, type-checks and runs.
 *
 * The scratch project's deno.json maps `@lalc/large-batch` and each of its subpath entries to
 * this checkout's files, and `@tensorflow/tfjs` to npm, as a user's project has them after
 * `deno add jsr:@lalc/large-batch npm:@tensorflow/tfjs@4.22.0`: an example that imports
 * anything else (`@tensorflow/tfjs-layers`, a relative path) fails. All blocks are
 * type-checked in one `deno check`; each is then run with `--allow-read`, `--allow-env` and
 * `--allow-write` for the scratch folder only. A block preceded by the line
 * `<!-- example: not runnable: REASON -->` is type-checked but not run (the reason is
 * required), and one preceded by `<!-- example: skip: REASON -->` is neither.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";

const ROOT = new URL(".", import.meta.url);
const MARK = /^<!-- example: (not runnable|skip): (.+?) -->$/;

/** One ```ts block of a markdown file. */
interface Example {
  /** `file:line` of the opening fence. */
  where: string;
  code: string;
  /** "run" unless marked. */
  mode: "run" | "check" | "skip";
}

/** The ```ts blocks of `text` (a markdown file called `file`). */
export function examplesOf(file: string, text: string): Example[] {
  const lines = text.split("\n");
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].trim() !== "```"; i++) body.push(lines[i]);
    const mark = (lines[start - 1] ?? "").match(MARK) ?? (lines[start - 2] ?? "").match(MARK);
    out.push({
      where: `${file}:${start + 1}`,
      code: body.join("\n") + "\n",
      mode: mark === null ? "run" : mark[1] === "skip" ? "skip" : "check",
    });
  }
  return out;
}

/**
 * The scratch project's deno.json: what `deno add jsr:@lalc/large-batch
 * npm:@tensorflow/tfjs@4.22.0` gives a user (the package's entries and `@tensorflow/tfjs`),
 * with this checkout's own npm imports scoped to the checkout, as JSR resolves a package's
 * imports from its own deno.json.
 */
export async function scratchConfig(): Promise<Record<string, unknown>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    name: string;
    exports: Record<string, string>;
    imports: Record<string, string>;
  };
  const imports: Record<string, string> = {
    "@tensorflow/tfjs": config.imports["@tensorflow/tfjs"],
  };
  for (const [entry, path] of Object.entries(config.exports)) {
    const name = entry === "." ? config.name : `${config.name}/${entry.slice(2)}`;
    imports[name] = new URL(path, ROOT).href;
  }
  return { imports, scopes: { [ROOT.href]: config.imports }, lock: false, nodeModulesDir: "none" };
}

async function deno(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command("deno", {
    args,
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("examplesOf: finds ts blocks, their lines and their marks", () => {
  const md = [
    "```ts",
    "a();",
    "```",
    "<!-- example: not runnable: needs a GPU -->",
    "```ts",
    "b();",
    "```",
    "```sh",
    "c",
    "```",
  ].join("\n");
  assertEquals(examplesOf("x.md", md), [
    { where: "x.md:1", code: "a();\n", mode: "run" },
    { where: "x.md:5", code: "b();\n", mode: "check" },
  ]);
});

Deno.test("every README/docs ts example type-checks and runs in a scratch project importing @lalc/large-batch", async () => {
  const files = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  files.sort();
  const examples: Example[] = [];
  for (const f of files) {
    examples.push(...examplesOf(f, await Deno.readTextFile(new URL(f, ROOT))));
  }
  assert(examples.some((e) => e.where.startsWith("README.md")), "the README has an example");

  const dir = await Deno.makeTempDir({ prefix: "lalc-scratch-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify(await scratchConfig()),
    );
    const checked = examples.filter((e) => e.mode !== "skip");
    const names = checked.map((_, i) => `example_${i}.ts`);
    await Promise.all(checked.map((e, i) => Deno.writeTextFile(`${dir}/${names[i]}`, e.code)));
    const check = await deno(["check", ...names], dir);
    assertEquals(
      check.code,
      0,
      `deno check of the examples failed:\n${check.text}\n` +
        checked.map((e, i) => `${names[i]} = ${e.where}`).join("\n"),
    );

    for (const [i, e] of checked.entries()) {
      if (e.mode !== "run") continue;
      // Deno.makeTempDir in an example lands in the scratch folder, the one place it may write.
      const run = await deno(
        ["run", "--allow-read", "--allow-env", `--allow-write=${dir}`, names[i]],
        dir,
        { TMPDIR: dir },
      );
      assertEquals(run.code, 0, `${e.where} failed as pasted:\n${run.text}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
