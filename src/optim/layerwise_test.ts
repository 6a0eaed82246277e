import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { lalc, LalcOptimizer } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { isLayerwiseOptimizer } from "./layerwise.ts";
import { momentum } from "./momentum.ts";
import { useBackend } from "../backend/backend.ts";

await useBackend("cpu");

Deno.test("isLayerwiseOptimizer is true for lalc, lars and lamb only, and narrows the type", () => {
  const layerwise = [
    lalc({ learningRate: 0.1 }),
    lars({ learningRate: 0.1 }),
    lamb({ learningRate: 0.1 }),
  ];
  const others = [momentum({ learningRate: 0.1 }), tf.train.momentum(0.1, 0.9), null, {}];
  assert.equal(isLayerwiseOptimizer(layerwise[1], "lalc"), false);
  assert.equal(isLayerwiseOptimizer(layerwise[1], "lars"), true);
  // tf.Optimizer's Symbol.hasInstance makes instanceof useless here (the guard's reason):
  assert.equal(others[1] instanceof LalcOptimizer, true);
  for (const o of layerwise) {
    assert.ok(isLayerwiseOptimizer(o));
    assert.equal(o.options.learningRate, 0.1);
    assert.equal(typeof o.layerStats, "function");
  }
  others.forEach((o, i) => assert.equal(isLayerwiseOptimizer(o), false, `others[${i}]`));
  const unknownOpt: unknown = layerwise[0];
  if (isLayerwiseOptimizer(unknownOpt, "lalc")) {
    assert.equal(unknownOpt.options.maxRatio, 1);
  } else assert.fail("lalc not recognized");
  for (const o of layerwise) o.dispose();
  (others[0] as tf.Optimizer).dispose();
  (others[1] as tf.Optimizer).dispose();
});
