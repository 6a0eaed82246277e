/**
 * The optimizer classes are registered for deserialization in one place: importing an
 * optimizer module registers nothing; importing the main entry (or register.ts) registers
 * all four, so `tf.loadLayersModel` finds a saved model's optimizer.
 */
import { runChildScript } from "../_test_child.ts";
import assert from "node:assert/strict";

Deno.test("optimizer modules register nothing; the main entry registers LALC, LARS, LAMB, ScheduledMomentum", async () => {
  // A fresh process: this test process may have imported register.ts through other tests.
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import "./src/optim/lalc.ts";
    import "./src/optim/lars.ts";
    import "./src/optim/lamb.ts";
    import "./src/optim/momentum.ts";
    const names = ["LALC", "LARS", "LAMB", "ScheduledMomentum"];
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    const before = names.filter((n) => map[n] !== undefined);
    await import("./mod.ts");
    const after = names.filter((n) => map[n] !== undefined);
    console.log(JSON.stringify({ before, after }));
  `;
  const root = new URL("../../", import.meta.url).pathname;
  const out = await runChildScript(script, [`--allow-read=${root}`]);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), {
    before: [],
    after: ["LALC", "LARS", "LAMB", "ScheduledMomentum"],
  });
});
