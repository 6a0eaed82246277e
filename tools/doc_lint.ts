/**
 * `deno doc --lint mod.ts`, minus one known false positive.
 *
 * Deno 2.9's doc linter calls every type from an npm package "private" when a public
 * signature mentions it (denoland/deno#27364), so each `tf.Tensor`, `tf.Variable` or
 * `tf.Optimizer` in this API is reported although tf.js documents and exports those types
 * itself. Re-exporting them is no way out: the linter then demands JSDoc on tf.js's own
 * declarations. This script runs the real linter and fails on every finding except a
 * `private-type-ref` to one of the tf.js types listed below; it prints how many it let
 * through, so the exception stays visible.
 *
 * Run: `deno run --allow-run=deno tools/doc_lint.ts` (the `check` task does).
 *
 * @module
 */

/** tf.js types that public signatures may mention. Nothing in this project has these names. */
const TFJS_TYPES = new Set([
  "Tensor",
  "Tensor1D",
  "Tensor2D",
  "Scalar",
  "Variable",
  "Optimizer",
  "NamedTensorMap",
  "ConfigDict",
]);

const PRIVATE_TFJS_REF =
  /^error\[private-type-ref\]: public type '[^']+' references private type '([^']+)'$/;

/** Splits the linter's output into findings and sorts them into allowed and not. */
export function classify(output: string): { allowed: string[]; rejected: string[] } {
  const allowed: string[] = [];
  const rejected: string[] = [];
  for (const line of output.split("\n")) {
    if (!/^error\[/.test(line)) continue;
    const match = PRIVATE_TFJS_REF.exec(line);
    (match !== null && TFJS_TYPES.has(match[1]) ? allowed : rejected).push(line);
  }
  return { allowed, rejected };
}

if (import.meta.main) {
  const result = await new Deno.Command("deno", {
    args: ["doc", "--lint", "mod.ts"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(result.stderr) + new TextDecoder().decode(result.stdout);
  const { allowed, rejected } = classify(output);
  if (!result.success && allowed.length === 0 && rejected.length === 0) {
    console.error(output);
    console.error("doc lint: deno doc failed without a lint finding");
    Deno.exit(1);
  }
  console.log(
    `doc lint: ${allowed.length} references to tf.js types let through (denoland/deno#27364)`,
  );
  if (rejected.length > 0) {
    console.error(rejected.join("\n"));
    console.error(
      `doc lint: ${rejected.length} findings; run \`deno doc --lint mod.ts\` for details`,
    );
    Deno.exit(1);
  }
}
