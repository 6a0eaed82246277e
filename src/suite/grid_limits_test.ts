/**
 * A grid meets the rules `train` applies (src/train/limits.ts) before its first run, and every
 * shipped preset passes them well under the parameter bound.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { estimateParameters, modelProblem, TRAIN_LIMITS } from "../train/limits.ts";
import { validateGridSpec } from "./grid_spec.ts";
import { PRESETS } from "./presets.ts";

Deno.test("a grid meets the rules of train: resnet depth 5 and depth 1000 at width 4096 refused", () => {
  const spec = (model: object, depths: number[]) => ({
    extends: "smoke",
    name: "g",
    model,
    depths,
  });
  throws(
    () => validateGridSpec(spec({ kind: "resnet", width: 8 }, [8, 5])),
    /grid\.depths\[1\]: resnet depth 5 is not allowed; expected 6n \+ 2/,
  );
  throws(
    () => validateGridSpec(spec({ kind: "mlp", width: 4096 }, [1000])),
    /grid\.depths\[0\]: a mlp of depth 1000 and width 4096 has about 16781 million parameters/,
  );
});

Deno.test("every preset's models pass the rules, well under the parameter bound", () => {
  for (const preset of Object.values(PRESETS)) {
    validateGridSpec({ ...preset });
    for (const depth of preset.depths) {
      const { kind, width } = preset.model;
      assertEquals(modelProblem(kind, depth, width), undefined, `${preset.name} depth ${depth}`);
      const share = estimateParameters(kind, depth, width) / TRAIN_LIMITS.parameters;
      assertEquals(share < 0.1, true, `${preset.name} depth ${depth}: ${share}`);
    }
  }
});
