import { deepStrictEqual as assertEquals } from "node:assert/strict";

Deno.test("grid --help prints its usage once and exits 0", async () => {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", cli, "grid", "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertEquals(text.split("\n").filter((l) => l.startsWith("usage: cli.ts grid")).length, 1);
});
