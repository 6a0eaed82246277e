/**
 * `gate` trusts neither its thresholds file nor the folder: a floor of the wrong type or
 * range, an empty cell list, or a results cell without a floor fails it with one line.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { assertOneLine, cli, ROOT } from "../cli/_test_cli.ts";

const THRESHOLDS = JSON.parse(await Deno.readTextFile(`${ROOT}fixtures/thresholds.json`));

/** Runs `gate results/smoke` against `thresholds` written to a temporary file. */
async function gateWith(thresholds: unknown) {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(thresholds));
    return await cli("gate", ["results/smoke", "--thresholds", path]);
  } finally {
    await Deno.remove(path);
  }
}

/** The committed thresholds with the smoke preset changed by `edit`. */
function smokeEdited(edit: (smoke: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(THRESHOLDS);
  edit(copy.presets.smoke);
  return copy;
}

Deno.test("gate: a bad floor is one line naming the field, exit 1", async () => {
  const cases: [(s: Record<string, unknown>) => void, RegExp][] = [
    [
      (s) => ((s.cells as Record<string, unknown>[])[0].minAccuracy = "0.99"),
      /cells\[0\]\.minAccuracy is "0\.99" \(text\); expected a number in \[0, 1\]/,
    ],
    [
      (s) =>
        Object.assign((s.cells as Record<string, unknown>[])[0], {
          minAccuracy: null,
          minSeeds: -3,
        }),
      /cells\[0\]\.minAccuracy is null; expected a number in \[0, 1\]/,
    ],
    [(s) => (s.cells = []), /presets\.smoke\.cells is \[\]; expected a non-empty array/],
  ];
  for (const [edit, message] of cases) {
    assertOneLine(await gateWith(smokeEdited(edit)), "gate", 1, message);
  }
});

Deno.test("gate: cells of the folder that the thresholds do not cover fail it", async () => {
  const r = await gateWith(smokeEdited((s) => (s.cells = (s.cells as unknown[]).slice(0, 2))));
  assertEquals(r.code, 1, r.stderr);
  ok(/FAIL \w[\w-]* batch \d+ depth \d+: in the results but without a floor/.test(r.stdout));
  ok(r.stdout.includes("gate failed: 18 failing checks"), r.stdout.slice(-300));
});
