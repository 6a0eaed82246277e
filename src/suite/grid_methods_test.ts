import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { GridSpecError, validateGridSpec } from "./grid_spec.ts";
import { recipeOf } from "../methods/variants.ts";

/** The problems `validateGridSpec` lists for the smoke preset with `fields` changed. */
function problemsOf(fields: Record<string, unknown>): string[] {
  try {
    validateGridSpec({ extends: "smoke", name: "v", ...fields });
  } catch (e) {
    if (e instanceof GridSpecError) return e.problems;
    throw e;
  }
  return [];
}

Deno.test("variants in methods: a valid grid resolves each name to its recipe", () => {
  const grid = validateGridSpec({
    extends: "smoke",
    name: "v",
    methods: [
      "lalc",
      { name: "lalc-nofloor", base: "lalc", minRatio: 0 },
      { name: "lars-k0.02", base: "lars", trustCoefficient: 0.02, baseLr: 0.158114 },
      { name: "warmup-10pct", base: "warmup", warmupFraction: 0.1 },
      { name: "sgd-inside", base: "linear-scaling", rateInBuffer: true },
    ],
    lrCentres: { "lars-k0.02": { "512": 0.05 } },
    comparisons: [
      { name: "floor", a: "lalc", b: "lalc-nofloor" },
      { name: "vs-lars", a: "lalc", b: "lars-k0.02", batch: 512, depth: 8 },
      { name: "vs-lars", a: "lalc", b: "lars-k0.02", batch: "smallest" },
    ],
  });
  assertEquals(recipeOf(grid, "lalc-nofloor").minRatio, 0);
  assertEquals(recipeOf(grid, "warmup-10pct").warmupFraction, 0.1);
  assertEquals(recipeOf(grid, "sgd-inside").rateInBuffer, true);
  assertEquals(recipeOf(grid, "warmup-10pct").rateInBuffer, undefined);
});

Deno.test("each bad variant value is one line naming its path, value and what is allowed", () => {
  assertEquals(
    problemsOf({
      methods: [
        "lalc",
        { name: "Lalc-X", base: "lalc" }, // upper case
        { name: "k1", base: "adam", trustCoefficient: 0.01 }, // unknown base
        { name: "k2", base: "lamb", trustCoefficient: 0.01 }, // lamb takes no kappa
        { name: "k3", base: "warmup", minRatio: 0 }, // only LALC has a floor
        { name: "k4", base: "lalc", trustCoefficient: 0, minRatio: 1.5 }, // out of range
        { name: "k5", base: "lars", warmupFraction: 1, baseLr: -1 }, // out of range
        { name: "k5", base: "lars" }, // duplicate
        { name: "lars", base: "lalc" }, // a method's own name
        { base: "lalc", kappa: 0.1 }, // no name, unknown field
        "sgd",
        { name: "k6", base: "lalc", rateInBuffer: true }, // only momentum SGD has a buffer form
        { name: "k7", base: "warmup", rateInBuffer: 1 }, // not a boolean
      ],
    }),
    [
      `grid.methods[1].name: got "Lalc-X"; expected at most 64 characters of a-z, 0-9, '.', ` +
      `'-', starting with a letter or digit, and not a method's own name`,
      'grid.methods[2].base: unknown base "adam"; allowed: lalc, lars, lamb, linear-scaling, warmup',
      'grid.methods[3].trustCoefficient: base "lamb" does not take trustCoefficient; taken by: lalc, lars',
      'grid.methods[4].minRatio: base "warmup" does not take minRatio; taken by: lalc',
      "grid.methods[5].trustCoefficient: got 0; expected a number > 0 and <= 1",
      "grid.methods[5].minRatio: got 1.5; expected a number >= 0 and <= 1",
      "grid.methods[6].warmupFraction: got 1; expected a number >= 0 and < 1",
      "grid.methods[6].baseLr: got -1; expected a number > 0 and <= 1000",
      'grid.methods[7]: "k5" is already the name of grid.methods[6]',
      `grid.methods[8].name: got "lars"; expected at most 64 characters of a-z, 0-9, '.', ` +
      `'-', starting with a letter or digit, and not a method's own name`,
      "grid.methods[9].kappa: unknown field; allowed: name, base, trustCoefficient, minRatio, " +
      "warmupFraction, baseLr, rateInBuffer",
      "grid.methods[9].name: missing; expected a variant's name",
      'grid.methods[10]: got "sgd"; expected methods (lalc, lars, lamb, linear-scaling, warmup) ' +
      'or a variant {"name", "base", ...overrides}',
      'grid.methods[11].rateInBuffer: base "lalc" does not take rateInBuffer; taken by: ' +
      "linear-scaling, warmup",
      "grid.methods[12].rateInBuffer: got 1; expected true or false",
    ],
  );
});

Deno.test("lrCentres: only the grid's methods and batch sizes, centres in range", () => {
  assertEquals(
    problemsOf({
      lrCentres: {
        lalc: { "512": 0.1, "64": 0.1 },
        adam: { "32": 0.1 },
        lars: { "32": 0 },
        lamb: 3,
      },
    }),
    [
      "grid.lrCentres.lalc.64: not a batch size of the grid (batchSizes: 32, 512)",
      "grid.lrCentres.adam: not a method of the grid (methods: lalc, lars, lamb, linear-scaling, warmup)",
      "grid.lrCentres.lars.32: got 0; expected a number > 0 and <= 1000",
      'grid.lrCentres.lamb: got 3; expected {"<batch size>": <centre per 256 samples>}',
    ],
  );
});

Deno.test("comparisons: two different methods of the grid, its batch sizes and depths, no row twice", () => {
  assertEquals(
    problemsOf({
      comparisons: [
        { name: "ok", a: "lalc", b: "lars" },
        { name: "bad name", a: "lalc", b: "adam" },
        { name: "same", a: "lars", b: "lars", batch: 64, depth: 3, when: "now" },
        { name: "ok", a: "lalc", b: "lars", batch: "largest" },
      ],
    }),
    [
      "grid.comparisons[1].name: got \"bad name\"; expected a name of letters, digits, '_', '.', '-'",
      'grid.comparisons[1].b: got "adam"; expected a method of the grid (lalc, lars, lamb, ' +
      "linear-scaling, warmup)",
      "grid.comparisons[2].when: unknown field; allowed: name, a, b, batch, depth, equivalence",
      'grid.comparisons[2].b: "lars" is also its a; compare two different methods',
      'grid.comparisons[2].batch: got 64; expected "all", "largest", "smallest" or a batch size ' +
      "of the grid (32, 512)",
      'grid.comparisons[2].depth: got 3; expected "all" or a depth of the grid (2, 8)',
      'grid.comparisons[3]: repeats the row "ok" vs lars at batch 512 depth 2 of grid.comparisons[0]',
    ],
  );
  assertEquals(problemsOf({ comparisons: [] }), [
    "grid.comparisons: got []; expected a non-empty array of " +
    '{"name", "a", "b", "batch", "depth", "equivalence"} (leave it out for the paper\'s claims)',
  ]);
});

Deno.test("a grid that drops a method its comparisons use is refused, naming the comparison", () => {
  assertEquals(problemsOf({ extends: "ablation", methods: ["lalc", "lars"] }).slice(0, 1), [
    'grid.comparisons[0].b: got "lalc-nofloor"; expected a method of the grid (lalc, lars)',
  ]);
});

Deno.test("equivalence on a comparison: a boolean, and only with a margin (one line each)", () => {
  const eq = { name: "eq", a: "lalc", b: "warmup", batch: "smallest", equivalence: true };
  const plain = { name: "vs-lars", a: "lalc", b: "lars" };
  // With a margin, a comparison that asks for equivalence is a valid grid.
  const grid = validateGridSpec({
    extends: "smoke",
    name: "v",
    equivalenceMargin: 0.005,
    comparisons: [eq, plain],
  });
  assertEquals(grid.comparisons![0].equivalence, true);
  // Without one, one line naming the comparisons that ask and what to add.
  assertEquals(problemsOf({ comparisons: [eq, { ...eq, name: "eq2" }, plain] }), [
    'grid.equivalenceMargin: missing, but grid.comparisons "eq", "eq2" ask for an ' +
    "equivalence test; expected a fraction of accuracy (0.005 is 0.5 points), or drop their " +
    "equivalence",
  ]);
  assertEquals(problemsOf({ comparisons: [{ ...eq, equivalence: "yes" }] }), [
    'grid.comparisons[0].equivalence: got "yes"; expected true (also test equivalence within ' +
    "the grid's equivalenceMargin) or false",
  ]);
  // A margin the file declares beside comparisons none of which uses it tests nothing.
  assertEquals(problemsOf({ equivalenceMargin: 0.005, comparisons: [plain] }), [
    "grid.equivalenceMargin: got 0.005, but none of grid.comparisons asks for an equivalence " +
    'test; add "equivalence": true to the comparisons to test, or leave the margin out',
  ]);
  // The paper's claims use a margin without comparisons, as before.
  assertEquals(problemsOf({ equivalenceMargin: 0.005 }), []);
});

Deno.test("warmup-factorial: its margin and equivalence tests validate, and a file may replace its comparisons", () => {
  const factorial = validateGridSpec({ extends: "warmup-factorial", name: "f" });
  assertEquals(factorial.equivalenceMargin, 0.005);
  assertEquals(factorial.comparisons!.every((c) => c.equivalence === true), true);
  // The inherited margin is left unused by the file's own comparisons: no error, no TOST.
  const own = validateGridSpec({
    extends: "warmup-factorial",
    name: "f",
    comparisons: [{ name: "lalc-2pct", a: "lalc-warmup-2pct", b: "lalc" }],
  });
  assertEquals(own.comparisons!.length, 1);
});
