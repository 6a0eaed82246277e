import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { choiceOption, intOption, numberOption } from "./options.ts";

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
