import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { allTensors, rankAbove } from "./mask.ts";
import "./register.ts";
import { lalc } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { scaleByLearningRate } from "./learning_rate.ts";
import { momentum } from "./momentum.ts";
import { ChainOptimizer } from "./optimizer.ts";
import { warmupCosine } from "./schedule.ts";
import { assertClose, gradValues, makeParams, runSteps, valuesOf } from "./_test_problem.ts";

await useBackend("cpu");

const schedule = warmupCosine({ init: 0.01, peak: 0.2, warmupSteps: 2, decaySteps: 10 });

/** One of each named optimizer, with a schedule and every option set. */
function makers(): Array<[string, () => ChainOptimizer]> {
  return [
    [
      "lalc",
      () =>
        lalc({ learningRate: schedule, weightDecay: 1e-3, minRatio: 0.05, recordLayerStats: true }),
    ],
    [
      "lars",
      () =>
        lars({ learningRate: schedule, weightDecay: 1e-3, trustCoefficient: 0.01, nesterov: true }),
    ],
    [
      "lamb",
      () =>
        lamb({
          learningRate: 0.01,
          weightDecay: 0.01,
          weightDecayMask: rankAbove(0),
          trustRatioMask: allTensors(),
          nonFinite: "skip",
        }),
    ],
    ["momentum", () => momentum({ learningRate: schedule, useNesterov: true })],
  ];
}

Deno.test("applyGradients takes a NamedTensorMap or a NamedTensor[]; minimize works", () => {
  const a = makeParams(), b = makeParams();
  const oa = lalc({ learningRate: 0.1 }), ob = lalc({ learningRate: 0.1 });
  const grads = [tf.ones([2, 3]), tf.ones([3]), tf.ones([2, 2])];
  oa.applyGradients(Object.fromEntries(a.map((p, i) => [p.name, grads[i]])));
  ob.applyGradients(b.map((p, i) => ({ name: p.name, tensor: grads[i] })));
  assert.deepEqual(valuesOf(a), valuesOf(b));
  assert.equal(oa.iterations, 1);
  const cost = oa.minimize(() => tf.sum(tf.square(a[0])), true, [a[0]]);
  assert.ok(cost !== null && cost.dataSync()[0] > 0);
  assert.equal(oa.iterations, 2);
  assert.throws(
    () => oa.applyGradients({ "no/such/variable": grads[0] }),
    /no registered variable named "no\/such\/variable"/,
  );
  tf.dispose([...a, ...b, ...grads, cost!]);
  oa.dispose();
  ob.dispose();
});

Deno.test("a null gradient skips that tensor and keeps its state", async () => {
  const p = makeParams();
  const opt = momentum({ learningRate: 0.1 });
  runSteps(opt, p, 1);
  const before = valuesOf(p);
  const g = tf.ones([2, 3]);
  opt.applyGradients({ [p[0].name]: g, [p[1].name]: null as unknown as tf.Tensor });
  const after = valuesOf(p);
  assert.deepEqual(after[1], before[1]);
  assert.notDeepEqual(after[0], before[0]);
  // p[1]'s momentum survived the skipped step untouched (neither dropped nor decayed).
  const slots = new Map((await opt.getWeights()).map((w) => [w.name, w.tensor]));
  assert.equal(slots.size, 1 + 3);
  assertClose(slots.get(`${p[1].name}/momentum`)!.dataSync(), gradValues(1, 0), "kept");
  tf.dispose([...p, g]);
  opt.dispose();
});

Deno.test("getWeights -> setWeights into a fresh optimizer gives bit-identical next steps", async () => {
  for (const [name, make] of makers()) {
    const a = makeParams();
    const original = make();
    runSteps(original, a, 3);
    const b = a.map((v, i) => tf.variable(v.clone(), true, `${v.name}-copy${i}`));
    // The copy's slots must be keyed by the copy's variable names.
    const weights = (await original.getWeights()).map(({ name: n, tensor }) => ({
      name: a.reduce((s, v, i) => s.replace(v.name + "/", b[i].name + "/"), n),
      tensor,
    }));
    assert.equal(weights[0].name, "iter");
    const restored = make();
    await restored.setWeights(weights);
    assert.equal(restored.iterations, 3, name);
    runSteps(original, a, 2, 3);
    runSteps(restored, b, 2, 3);
    assert.deepEqual(valuesOf(b), valuesOf(a), `${name}: restored steps differ`);
    original.dispose();
    restored.dispose();
    tf.dispose([...a, ...b]);
  }
});

Deno.test("getConfig/fromConfig round-trip, also through the SerializationMap by className", () => {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const [name, make] of makers()) {
    const original = make();
    const config = original.getConfig();
    const className = original.getClassName();
    assert.ok(registry[className] !== undefined, `${name}: ${className} registered`);
    const [cls, fromConfig] = registry[className];
    const copy = fromConfig(cls, JSON.parse(JSON.stringify(config))) as ChainOptimizer;
    assert.equal(copy.getClassName(), className);
    assert.deepEqual(copy.getConfig(), config);
    const a = makeParams(), b = makeParams();
    runSteps(original, a, 3);
    runSteps(copy, b, 3);
    assert.deepEqual(valuesOf(a), valuesOf(b), `${name}: same steps after fromConfig`);
    original.dispose();
    copy.dispose();
    tf.dispose([...a, ...b]);
  }
  assert.deepEqual(
    ["LALC", "LARS", "LAMB", "ScheduledMomentum"].map((n) => registry[n] !== undefined),
    [true, true, true, true],
  );
});

Deno.test("getConfig says what cannot be serialized", () => {
  assert.throws(
    () => lars({ learningRate: (t) => 0.1 / (t + 1) }).getConfig(),
    /lars: learningRate is a plain function/,
  );
  assert.throws(
    () => lalc({ learningRate: 0.1, trustRatioMask: (v) => v.rank > 1 }).getConfig(),
    /lalc: trustRatioMask is a plain function and cannot be serialized/,
  );
  assert.throws(
    () => new ChainOptimizer(scaleByLearningRate(0.1)).getConfig(),
    /cannot be serialized/,
  );
});

Deno.test("applyGradients reads nothing back to the CPU and leaks no tensors", () => {
  const reads = { n: 0 };
  const backend = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const patched: Array<
    [Record<string, (...a: unknown[]) => unknown>, string, (...a: unknown[]) => unknown]
  > = [];
  for (
    const [target, key] of [
      [backend, "readSync"],
      [backend, "read"],
      [proto, "dataSync"],
      [proto, "data"],
      [proto, "arraySync"],
      [proto, "array"],
    ] as const
  ) {
    const original = target[key];
    patched.push([target, key, original]);
    target[key] = function (this: unknown, ...args: unknown[]) {
      reads.n++;
      return original.apply(this, args);
    };
  }
  try {
    tf.tidy(() => tf.ones([1]).dataSync());
    assert.ok(reads.n > 0, "the patch counts reads");
    for (const [name, make] of makers()) {
      const p = makeParams();
      const grads = p.map((v) => ({
        name: v.name,
        tensor: tf.randomNormal(v.shape, 0, 1, "float32", 7),
      }));
      const opt = make();
      reads.n = 0;
      opt.applyGradients(grads); // first step makes the slots
      const afterFirst = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) opt.applyGradients(grads);
      assert.equal(reads.n, 0, `${name}: CPU reads during applyGradients`);
      assert.equal(tf.memory().numTensors, afterFirst, `${name}: tensors leaked per step`);
      opt.dispose();
      tf.dispose([...p, ...grads.map((g) => g.tensor)]);
    }
  } finally {
    for (const [target, key, original] of patched) target[key] = original;
  }
});

Deno.test("layer statistics cost nothing unless asked for", async () => {
  const p = makeParams(), q = makeParams();
  const quiet = lars({ learningRate: 0.1 });
  const loud = lars({ learningRate: 0.1, recordLayerStats: true });
  runSteps(quiet, p, 1);
  const base = tf.memory().numTensors;
  runSteps(loud, q, 1);
  // loud makes the same slots as quiet (3) plus 2 kept stat vectors.
  assert.equal(tf.memory().numTensors - base, 3 + 2);
  await assert.rejects(() => quiet.layerStats(), /recordLayerStats is false/);
  const stats = await loud.layerStats();
  assert.equal(stats.length, 3);
  runSteps(loud, q, 1);
  assert.equal(tf.memory().numTensors - base, 3 + 2, "old stats were released");
  quiet.dispose();
  loud.dispose();
  tf.dispose([...p, ...q]);
});
