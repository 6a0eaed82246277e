import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { choiceOption, CliError, intOption, numberOption, parseCommand } from "./args.ts";

Deno.test("intOption accepts integers in range and names the option otherwise", () => {
  assertEquals(intOption("depth", "16", 1), 16);
  assertThrows(
    () => intOption("depth", "0", 1),
    /--depth: "0" is not allowed; expected an integer >= 1/,
  );
  assertThrows(() => intOption("depth", "2.5", 1), /--depth: "2.5"/);
  assertThrows(() => intOption("depth", "abc", 1), /--depth: "abc"/);
  assertThrows(() => intOption("seed", "5", 0, 3), /expected an integer in \[0, 3\]/);
});

Deno.test("numberOption refuses NaN, Inf and out-of-range numbers", () => {
  assertEquals(numberOption("lr", "0.1", 0), 0.1);
  assertEquals(numberOption("lr", "1e-3", 0), 0.001);
  for (const bad of ["NaN", "Infinity", "-1", ""]) {
    assertThrows(
      () => numberOption("lr", bad, 0),
      /--lr: .* is not allowed; expected a number >= 0/,
    );
  }
});

Deno.test("choiceOption lists the allowed values", () => {
  assertEquals(choiceOption("model", "mlp", ["mlp", "cnn"] as const), "mlp");
  assertThrows(() => choiceOption("model", "vgg", ["mlp", "cnn"]), /expected one of mlp, cnn/);
});

const SPEC = {
  name: "demo",
  help: "usage: cli.ts demo [options] DIR",
  options: {
    "batch-size": { type: "string", default: "8" },
    epochs: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: { min: 1, max: 1, what: "one results folder" },
} as const;

Deno.test("parseCommand reads values that start with a dash, = forms and positionals", () => {
  const p = parseCommand(SPEC, ["--batch-size", "-3", "--epochs=2", "dir", "--json"]);
  assertEquals(p?.values, { "batch-size": "-3", epochs: "2", json: true });
  assertEquals(p?.positionals, ["dir"]);
  assertEquals(parseCommand(SPEC, ["dir"])?.values, {
    "batch-size": "8",
    epochs: undefined,
    json: false,
  });
});

Deno.test("parseCommand: -h and --help print the help and return undefined", () => {
  const log = console.log;
  const printed: string[] = [];
  console.log = (s: string) => printed.push(s);
  try {
    assertEquals(parseCommand(SPEC, ["-h"]), undefined);
    assertEquals(parseCommand(SPEC, ["dir", "--help"]), undefined);
  } finally {
    console.log = log;
  }
  assertEquals(printed, [SPEC.help, SPEC.help]);
});

Deno.test("parseCommand refuses with one CliError (exit 2) naming the value and what is allowed", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--size", "2", "d"],
      /^unknown option "--size"; allowed: --batch-size, --epochs, --json, -h, --help$/,
    ],
    [["--batch", "8", "d"], /^--batch is now --batch-size; write --batch-size$/],
    [["--run-epochs", "2", "d"], /^--run-epochs is now --epochs; write --epochs$/],
    [["d", "--epochs"], /^--epochs needs a value; see cli.ts demo --help$/],
    [["--json=1", "d"], /^--json takes no value/],
    [["-x", "d"], /^unknown option "-x"/],
    [["a", "b"], /^unexpected argument "b"; expected one results folder$/],
    [[], /^missing argument; expected one results folder$/],
  ];
  for (const [args, message] of cases) {
    assertThrows(() => parseCommand(SPEC, args), (e: unknown) => {
      assertEquals(e instanceof CliError && e.exitCode, 2, args.join(" "));
      return message.test((e as Error).message);
    }, args.join(" "));
  }
});
