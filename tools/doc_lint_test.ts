import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { classify } from "./doc_lint.ts";

Deno.test("doc lint lets through only private-type-ref findings to tf.js types", () => {
  const output = [
    "error[private-type-ref]: public type 'trainStep' references private type 'Tensor1D'",
    "   --> /work/src/train/step.ts:45:1",
    "error[private-type-ref]: public type 'GridSpec[\"lrGrid\"]' references private type 'LrGridSpec'",
    "error[missing-jsdoc]: exported symbol is missing JSDoc documentation",
    "error: Found 3 documentation lint errors.",
  ].join("\n");
  const { allowed, rejected } = classify(output);
  assertEquals(allowed.length, 1);
  assertEquals(rejected.length, 2);
  assertEquals(rejected[0].includes("LrGridSpec"), true);
});
