/**
 * Stands in for `deno task` in tests: runs `deno <args>` as its child, prints the child's pid
 * on stdout and waits for it, so a test can kill this wrapper and watch the child. Tests only.
 *
 * @module
 */
const child = new Deno.Command("deno", { args: Deno.args, stdout: "null", stderr: "inherit" })
  .spawn();
console.log(child.pid);
Deno.exit((await child.status).code);
