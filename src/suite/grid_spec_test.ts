import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { GridSpecError, loadGridFile, sameGrid, validateGridSpec } from "./grid_spec.ts";
import { PRESETS, STANDARD } from "./presets.ts";

Deno.test("every preset is a valid grid", () => {
  for (const preset of Object.values(PRESETS)) {
    assertEquals(validateGridSpec(JSON.parse(JSON.stringify(preset))), preset);
  }
});

Deno.test("extends starts from a preset and overrides fields", () => {
  const grid = validateGridSpec({
    extends: "smoke",
    name: "mine",
    batchSizes: [64],
    lrGrid: { points: 4 },
  });
  assertEquals(grid.batchSizes, [64]);
  assertEquals(grid.lrGrid, { points: 4, factor: 2, tuneOn: "first-seed" });
  assertEquals(grid.depths, PRESETS.smoke.depths);
});

Deno.test("a bad grid lists every problem with its path, value and what is allowed", () => {
  const error = (() => {
    try {
      validateGridSpec({
        extends: "smoke",
        methods: ["lalc", "sgd"],
        batchSizes: [32, -1],
        epochs: 0,
        colour: "red",
      });
    } catch (e) {
      return e as GridSpecError;
    }
  })();
  assert(error instanceof GridSpecError);
  const text = error.problems.join("\n");
  assert(
    /grid\.methods\[1\]: got "sgd"; expected methods \(lalc, lars, lamb, linear-scaling, warmup\)/
      .test(text),
    text,
  );
  assert(/grid\.batchSizes\[1\]: got -1; expected integers from 1 to 1048576/.test(text), text);
  assert(/grid\.epochs: got 0; expected a number > 0/.test(text), text);
  assert(/grid\.colour: unknown field/.test(text), text);
  assertEquals(error.problems.length, 4);
});

Deno.test("a grid without extends must name every field", () => {
  throws(() => validateGridSpec({ name: "x" }), /grid\.dataset: missing/);
  throws(
    () => validateGridSpec({ extends: "huge" }),
    /grid\.extends: unknown preset "huge"; allowed: smoke, standard, cnn, paper/,
  );
  throws(() => validateGridSpec([1]), /must be a JSON object/);
});

Deno.test("loadGridFile reports unreadable files and bad JSON", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.json`, "{ nope");
  await Promise.all([
    assert.rejects(loadGridFile(`${dir}/none.json`), /cannot read it/),
    assert.rejects(loadGridFile(`${dir}/bad.json`), /not valid JSON/),
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sameGrid ignores the description and nothing else", () => {
  assertEquals(sameGrid(STANDARD, { ...STANDARD, description: "reworded" }), true);
  assertEquals(sameGrid(STANDARD, { ...STANDARD, epochs: STANDARD.epochs + 1 }), false);
  assertEquals(sameGrid(STANDARD, { ...STANDARD, seeds: [1] }), false);
});

Deno.test("nested keys with typos are refused, and every number has an upper bound", () => {
  const problems = (spec: Record<string, unknown>): string => {
    try {
      validateGridSpec({ extends: "smoke", ...spec });
      return "";
    } catch (e) {
      return (e as GridSpecError).problems.join("\n");
    }
  };
  assert(/grid\.lrGrid\.factr: unknown field; allowed: points, factor, tuneOn/.test(
    problems({ lrGrid: { factr: 2 } }),
  ));
  assert(/grid\.model\.depht: unknown field/.test(problems({ model: { depht: 3 } })));
  assert(/grid\.dataset\.trainSample: unknown field/.test(
    problems({ dataset: { name: "synthetic", trainSample: 3 } }),
  ));
  const bounded: [Record<string, unknown>, RegExp][] = [
    [
      { depths: [1000000000] },
      /grid\.depths\[0\]: got 1000000000; expected integers from 1 to 1000/,
    ],
    [{ batchSizes: [2 ** 30] }, /grid\.batchSizes\[0\]/],
    [{ model: { kind: "mlp", width: 1e6 } }, /grid\.model\.width/],
    [{ epochs: 1e9 }, /grid\.epochs/],
    [{ seeds: [2 ** 40] }, /grid\.seeds\[0\]/],
    [{ lrGrid: { points: 1e6 } }, /grid\.lrGrid\.points/],
    [{ lrGrid: { factor: 1e9 } }, /grid\.lrGrid\.factor/],
    [{ evalPoints: 1e9 }, /grid\.evalPoints/],
    [{ evalSamples: 1e12 }, /grid\.evalSamples/],
    [{ dataset: { name: "synthetic", testSamples: 1e12 } }, /grid\.dataset\.testSamples/],
    [{ divergenceFactor: 1e300 }, /grid\.divergenceFactor/],
    [{ traceSteps: 1e9 }, /grid\.traceSteps/],
    [{ depths: Array.from({ length: 1001 }, (_, i) => i + 1) }, /grid\.depths: got/],
  ];
  for (const [spec, pattern] of bounded) {
    const text = problems(spec);
    assert(pattern.test(text), `${JSON.stringify(spec).slice(0, 60)}: ${text}`);
  }
});

Deno.test("a grid that extends a preset does not inherit its description", () => {
  const derived = validateGridSpec({ extends: "smoke", name: "gputiny", methods: ["lalc"] });
  assertEquals(derived.description, 'user grid from preset "smoke", changing methods');
  assert(!derived.description.includes("CI check"), derived.description);
  const own = validateGridSpec({ extends: "smoke", name: "mine", description: "my own words" });
  assertEquals(own.description, "my own words");
});

/** The problems `validateGridSpec` finds in the smoke preset with `spec` over it. */
function problemsOf(spec: Record<string, unknown>): string[] {
  try {
    validateGridSpec({ extends: "smoke", ...spec });
    return [];
  } catch (e) {
    return (e as GridSpecError).problems;
  }
}

Deno.test("tuning on the mean of the first k seeds: tuneSeeds alone says so, k is checked", () => {
  // tuneSeeds alone over a preset's "first-seed": it means the first k seeds.
  const grid = validateGridSpec({ extends: "smoke", name: "k3", lrGrid: { tuneSeeds: 3 } });
  assertEquals(grid.lrGrid, { points: 5, factor: 2, tuneOn: "first-k-seeds", tuneSeeds: 3 });
  const spelled = validateGridSpec({
    extends: "smoke",
    name: "k4",
    lrGrid: { tuneOn: "first-k-seeds", tuneSeeds: 4 },
  });
  assertEquals(spelled.lrGrid.tuneSeeds, 4);
  // Smoke has 6 seeds: k runs from 1 to 4, leaving at least 2 held out.
  const bad: [Record<string, unknown>, string][] = [
    [
      { tuneSeeds: 0 },
      "grid.lrGrid.tuneSeeds: got 0; expected an integer from 1 to 4 (the grid's 6 seeds " +
      "less 2 held out)",
    ],
    [
      { tuneSeeds: 5 },
      "grid.lrGrid.tuneSeeds: got 5; expected an integer from 1 to 4 (the grid's 6 seeds " +
      "less 2 held out)",
    ],
    [
      { tuneSeeds: 2.5 },
      "grid.lrGrid.tuneSeeds: got 2.5; expected an integer from 1 to 4 (the grid's 6 seeds " +
      "less 2 held out)",
    ],
    [
      { tuneSeeds: "3" },
      'grid.lrGrid.tuneSeeds: got "3"; expected an integer from 1 to 4 (the grid\'s 6 seeds ' +
      "less 2 held out)",
    ],
    [
      { tuneOn: "first-k-seeds" },
      'grid.lrGrid.tuneSeeds: missing with tuneOn "first-k-seeds"; expected an integer from 1 ' +
      "to 4 (the grid's 6 seeds less 2 held out)",
    ],
    [
      { tuneOn: "first-seed", tuneSeeds: 3 },
      'grid.lrGrid.tuneSeeds: got 3 with tuneOn "first-seed"; tuneSeeds goes with tuneOn ' +
      '"first-k-seeds" (or leave tuneOn out)',
    ],
    [
      { tuneOn: "mean" },
      'grid.lrGrid.tuneOn: got "mean"; expected "first-seed", "first-k-seeds" (with ' +
      'tuneSeeds) or "all-seeds"',
    ],
  ];
  for (const [lrGrid, line] of bad) {
    assertEquals(problemsOf({ lrGrid }), [line], JSON.stringify(lrGrid));
  }
  // Too few seeds for any k: the line says so.
  assertEquals(problemsOf({ seeds: [1, 2], lrGrid: { tuneSeeds: 1 } }), [
    "grid.lrGrid.tuneSeeds: got 1; expected an integer from 1 to the number of seeds less " +
    "2, but grid.seeds has 2: add seeds",
  ]);
});

Deno.test("equivalenceMargin is a fraction of accuracy, at most 10 points", () => {
  const grid = validateGridSpec({ extends: "smoke", name: "m", equivalenceMargin: 0.005 });
  assertEquals(grid.equivalenceMargin, 0.005);
  // Absent stays absent: a grid without it is the grid it was (sameGrid, run ids).
  assertEquals("equivalenceMargin" in validateGridSpec({ extends: "smoke" }), false);
  assertEquals(validateGridSpec({ extends: "standard" }).equivalenceMargin, 0.005);
  const allowed = "expected a fraction of accuracy > 0 and <= 0.1 (0.005 is 0.5 points)";
  for (const margin of [0, -0.005, 0.5, "0.005", null]) {
    assertEquals(problemsOf({ equivalenceMargin: margin }), [
      `grid.equivalenceMargin: got ${JSON.stringify(margin)}; ${allowed}`,
    ]);
  }
});
