/**
 * One set of rules for a training configuration (limits.ts), applied by `train` before it
 * loads anything (here) and by a grid before its first run (src/suite/grid_limits_test.ts).
 */
import { deepStrictEqual as assertEquals, match as assertMatch, rejects } from "node:assert/strict";
import { loadCifar10 } from "../data/cifar10.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { CliError } from "../cli/args.ts";
import { main } from "./cli.ts";

/** `train args` stopped before any work: the CliError's exit code and message. */
async function refused(args: string[]): Promise<{ code: number; message: string }> {
  try {
    await main(args);
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, message: e.message };
    throw e;
  }
  throw new Error(`train ${args.join(" ")} was not refused`);
}

Deno.test("train refuses a bad model, too many epochs or steps and an empty --data-dir, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--model", "resnet", "--depth", "5"], /resnet depth 5 is not allowed; expected 6n \+ 2/],
    [["--depth", "1000", "--width", "4096"], /about 16781 million parameters; at most 100 million/],
    [["--epochs", "1e9"], /--epochs: "1e9" is not allowed; expected a number in \[1e-9, 10000\]/],
    [["--steps", "99999999999"], /--steps: "99999999999" is not allowed; .*10000000\]/],
    [["--data-dir", ""], /--data-dir: "" is not allowed; expected a folder path/],
  ];
  for (const [args, message] of cases) {
    const r = await refused(args);
    assertEquals(r.code, 2, args.join(" "));
    assertMatch(r.message, message);
  }
});

Deno.test("the data loaders name an empty dataDir instead of reading the current folder", async () => {
  await rejects(
    loadFashionMnist({ dataDir: "" }),
    /dataDir: "" is not allowed; expected the folder/,
  );
  await rejects(loadCifar10({ dataDir: " " }), /dataDir: " " is not allowed; expected the cifar/);
});
