import { deepStrictEqual as assertEquals } from "node:assert/strict";

Deno.test("train on the cpu backend prints no tf.js Node banner (startBackend turns on production mode)", async () => {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--allow-env", cli, "train", "--dataset", "synthetic"].concat(
      ["--depth", "1", "--width", "4", "--batch-size", "8", "--steps", "1", "--backend", "cpu"],
      ["--optimizer", "momentum", "--lr", "0.1", "--json"],
    ),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const all = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, all);
  assertEquals(all.includes("looks like you are running TensorFlow.js in Node.js"), false, all);
});
