import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gateMain, gridMain, reportMain } from "./cli.ts";

async function quietly<T>(body: () => Promise<T>): Promise<{ value: T; err: string }> {
  const original = console.error;
  let err = "";
  console.error = (...a: unknown[]) => (err += a.join(" ") + "\n");
  try {
    return { value: await body(), err };
  } finally {
    console.error = original;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("bad grid arguments exit 2 with the value and what is allowed, touching nothing", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  const cases: [string[], RegExp][] = [
    [
      ["--preset", "huge", "--out", out],
      /--preset: "huge" is not allowed; expected one of smoke, standard, paper/,
    ],
    [["--preset", "smoke", "--backend", "tpu", "--out", out], /--backend: "tpu" is not allowed/],
    [["--preset", "smoke", "--max-runs", "0", "--out", out], /--max-runs: "0"/],
    [["--colour", "red"], /unknown option "--colour"/],
    [["--grid", `${dir}/g.json`, "--out", out], /cannot read it/],
  ];
  for (const [args, message] of cases) {
    const { value, err } = await quietly(() => gridMain(args));
    assertEquals(value, 2, args.join(" "));
    assert(message.test(err), err);
  }
  await Deno.writeTextFile(`${dir}/g.json`, JSON.stringify({ extends: "smoke", methods: ["sgd"] }));
  const { value, err } = await quietly(() => gridMain(["--grid", `${dir}/g.json`, "--out", out]));
  assertEquals(value, 2);
  assert(/grid\.methods\[0\]: got "sgd"/.test(err), err);
  assert(!await exists(out), "no result file was written");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gate and report exit 1 on a folder without results, 2 without a folder", async () => {
  const dir = await Deno.makeTempDir();
  assertEquals((await quietly(() => gateMain([dir]))).value, 1);
  assertEquals((await quietly(() => gateMain([]))).value, 2);
  assertEquals((await quietly(() => reportMain([dir]))).value, 1);
  await Deno.remove(dir, { recursive: true });
});
