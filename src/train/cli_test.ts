import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";

/** Runs `cli.ts train` in a subprocess with the task's permissions. */
async function train(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--allow-env", cli, "train", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("train --json prints the run's metrics as the last line", async () => {
  const { code, stdout } = await train(
    "--dataset",
    "synthetic",
    "--depth",
    "2",
    "--width",
    "16",
    "--batch-size",
    "64",
    "--steps",
    "4",
    "--optimizer",
    "lalc",
    "--lr",
    "0.1",
    "--backend",
    "cpu",
    "--json",
  );
  assertEquals(code, 0);
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assertEquals(result.backend, "cpu");
  assertEquals(result.status, "ok");
  assertEquals(result.steps, 4);
  assert(result.samplesPerSec > 0 && Number.isFinite(result.trainLoss));
  assert(result.testAccuracy >= 0 && result.testAccuracy <= 1);
});

Deno.test("train refuses unknown options, unknown values and impossible numbers", async () => {
  const cases: [string[], RegExp][] = [
    [["--frobnicate"], /unknown option "--frobnicate"/],
    [
      ["--optimizer", "rmsprop"],
      /--optimizer: "rmsprop" is not allowed; expected one of momentum, lalc/,
    ],
    [["--depth", "0"], /--depth: "0" is not allowed; expected an integer in \[1, 1000\]/],
    [["--lr=-0.1"], /--lr: "-0.1" is not allowed; expected a number >= 0/],
    [["--backend", "tpu"], /--backend: "tpu" is not allowed/],
    [["--threads", "0"], /--threads: "0" is not allowed; expected an integer in \[1, 1024\]/],
    [
      ["--dataset", "synthetic", "--batch-size", "999999", "--backend", "cpu"],
      /--batch-size: "999999" is not allowed; synthetic has 2048 training samples/,
    ],
    [["stray"], /unexpected argument "stray"/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await train(...args);
    assertEquals(code, 2, `exit code for ${args.join(" ")}`);
    assertMatch(stderr, message);
  }
});
