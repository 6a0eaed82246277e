import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { scaleByAdam } from "./adam.ts";
import { addDecayedWeights } from "./decay.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { trace } from "./trace.ts";
import { chain, masked, slotName } from "./transform.ts";
import { clipLayerLearningRate, scaleByTrustRatio } from "./trust_ratio.ts";
import { assertClose } from "./_test_problem.ts";

await useBackend("cpu");

Deno.test("chain composes transforms; state is named `${param}/<slot>` and split per transform", () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, "tt/w");
  const t = chain(
    addDecayedWeights(0.5),
    trace({ decay: 0.5 }),
    scaleByAdam(),
    scaleByLearningRate(0.1),
  );
  const state = t.init([w]);
  assert.deepEqual(state.map((v) => v.name), ["tt/w/momentum", "tt/w/m", "tt/w/v"]);
  assert.equal(t.stateSize([w]), 3);
  const out = t.update([tf.tensor1d([1, -1])], state, [w], 0);
  // u = g + 0.5 w = [1.5, 0]; m = u; adam step 0: m_hat/sqrt(v_hat) = sign(u) (0 for 0); * -0.1.
  assertClose(out[0].dataSync(), [-0.1 * 1.5 / (1.5 + 1e-8), 0], "chained");
  assertClose(state[0].dataSync(), [1.5, 0], "trace slot");
  // A second optimizer on the same variable gets a unique engine name, same canonical name.
  const again = trace({ decay: 0.5 }).init([w]);
  assert.notEqual(again[0].name, "tt/w/momentum");
  assert.equal(slotName(again[0]), "tt/w/momentum");
  tf.dispose([w, ...state, ...again, ...out]);
});

Deno.test("masked applies the inner transform to picked tensors only, and gives them state", () => {
  const k = tf.variable(tf.ones([2, 2]), true, "tm/k");
  const b = tf.variable(tf.ones([2]), true, "tm/b");
  const t = masked(trace({ decay: 0.9 }), (v) => v.rank > 1);
  const state = t.init([k, b]);
  assert.deepEqual(state.map((v) => v.name), ["tm/k/momentum"]);
  const gk = tf.ones([2, 2]), gb = tf.ones([2]);
  t.update([gk, gb], state, [k, b], 0);
  const out = t.update([gk, gb], state, [k, b], 1);
  assertClose(out[0].dataSync(), [1.9, 1.9, 1.9, 1.9], "traced");
  assert.equal(out[1], gb, "passed through untouched");
  tf.dispose([k, b, gk, gb, ...state, out[0]]);
});

Deno.test("scaleByTrustRatio and clipLayerLearningRate on hand numbers", () => {
  const w = tf.variable(tf.tensor2d([[3, 4]]), true, "tr/w"); // ||w|| = 5
  const z = tf.variable(tf.zeros([1, 2]), true, "tr/z"); // ||w|| = 0 -> guard
  const g = tf.tensor2d([[0, 10]]); // ||g|| = 10
  const ratio = scaleByTrustRatio({ trustCoefficient: 0.1 }).update([g, g], [], [w, z], 0);
  assertClose(ratio[0].dataSync(), [0, 0.5], "0.1 * 5 / 10 = 0.05 times g");
  assertClose(ratio[1].dataSync(), [0, 10], "ratio 1 for a zero tensor");
  const clip = clipLayerLearningRate({ learningRate: 0.2, trustCoefficient: 0.1, minRatio: 0.5 });
  const clipped = clip.update([g, g], [], [w, z], 0);
  // local = 0.05 < floor 0.5 * 0.2 = 0.1 -> eta_w = 0.1; zero tensor: local = eta -> 0.2.
  assertClose(clipped[0].dataSync(), [0, -1], "floor");
  assertClose(clipped[1].dataSync(), [0, -2], "guard");
  tf.dispose([w, z, g, ...ratio, ...clipped]);
});

Deno.test("clipLayerLearningRate's defaults are neutral: kappa 1, no floor, ceiling eta, eps 0 (LARC)", () => {
  const w = tf.variable(tf.tensor2d([[3, 4]]), true, "tr/neutral/w"); // ||w|| = 5
  const eta = 0.2;
  // ||g|| = 10: local = 1 * 5 / 10 = 0.5, above the ceiling eta -> eta.
  // ||g|| = 100: local = 0.05, kept (no floor; LALC's floor 0.01 * eta = 0.002 is far below).
  // ||g|| = 5e4: local = 1e-4, kept: LALC's floor would give 0.002 (the floor is off).
  const grads = [tf.tensor2d([[0, 10]]), tf.tensor2d([[0, 100]]), tf.tensor2d([[0, 5e4]])];
  const clip = clipLayerLearningRate({ learningRate: eta });
  const out = grads.map((g) => clip.update([g], [], [w], 0)[0]);
  assertClose(out[0].dataSync(), [0, -eta * 10], "ceiling");
  assertClose(out[1].dataSync(), [0, -0.05 * 100], "inside");
  assertClose(out[2].dataSync(), [0, -1e-4 * 5e4], "no floor");
  // The scaleByTrustRatio clip LARS's trustClip uses: -min(ratio, eta).
  const larc = scaleByTrustRatio({ learningRate: eta, clipAtLearningRate: true });
  const capped = larc.update([grads[0], grads[1]], [], [w, w], 0);
  assertClose(capped[0].dataSync(), [0, -eta * 10], "LARC ceiling");
  assertClose(capped[1].dataSync(), [0, -0.05 * 100], "LARC inside: ratio 0.05 below eta");
  tf.dispose([w, ...grads, ...out, ...capped]);
});

Deno.test("transforms reject bad parameters", () => {
  assert.throws(() => trace({ decay: 1 }), /trace: decay must be in \[0, 1\), got 1/);
  assert.throws(() => addDecayedWeights(-1), /weightDecay.*-1/);
  assert.throws(() => scaleByAdam({ beta2: 2 }), /beta2.*2/);
  assert.throws(() => scaleByTrustRatio({ trustCoefficient: 0 }), /trustCoefficient.*> 0, got 0/);
  assert.throws(
    () => clipLayerLearningRate({ learningRate: 1, minRatio: 2, maxRatio: 1 }),
    /minRatio must be <= maxRatio \(1\), got 2/,
  );
  assert.throws(() => scaleByLearningRate(-1), /learningRate.*-1/);
  assert.throws(
    () => scaleByTrustRatio({ clipAtLearningRate: true }),
    /scaleByTrustRatio: clipAtLearningRate needs learningRate; give both or neither/,
  );
});
