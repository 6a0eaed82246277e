/**
 * Exact resume through tfjs-layers' `includeOptimizer: true`: a model saved mid-training and
 * loaded again (in this process, where tf.js renames the loaded variables `..._1`, and in a
 * new process, where the names are the saved ones) trains on bit-identically, as it does with
 * tf.js's own `tf.train.momentum`, the reference asserted in the same test.
 */
import { runChildScript } from "../_test_child.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { useBackend } from "../backend/backend.ts";
import { lalc } from "./lalc.ts";
import { lamb } from "./lamb.ts";
import { lars } from "./lars.ts";
import { momentum } from "./momentum.ts";
import { cosineDecay } from "./schedule.ts";
import { saveWithOptimizer } from "./_test_save.ts";
import "./register.ts";

await useBackend("cpu");

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  "tf.train.momentum": () => tf.train.momentum(0.05, 0.9),
  lalc: () => lalc({ learningRate: 0.5, weightDecay: 1e-3 }),
  lars: () => lars({ learningRate: cosineDecay({ init: 2, decaySteps: 20 }), weightDecay: 1e-3 }),
  lamb: () => lamb({ learningRate: 0.05, weightDecay: 1e-2 }),
  momentum: () => momentum({ learningRate: 0.05, useNesterov: true }),
};

function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const n = 32;
  const x = tf.tensor2d(Array.from({ length: n * 6 }, (_, i) => Math.sin(0.7 * i) * 2), [n, 6]);
  const y = tf.tidy(() =>
    tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), "int32"), 3)
  );
  return { x, y: y as tf.Tensor2D };
}

function model(optimizer: tf.Optimizer): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [6],
        units: 8,
        activation: "relu",
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
      }),
      tfl.layers.dense({
        units: 3,
        activation: "softmax",
        kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
      }),
    ],
  });
  m.compile({ optimizer, loss: "categoricalCrossentropy" });
  return m;
}

const FIT = { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 } as const;

async function weights(m: tfl.LayersModel): Promise<number[][]> {
  return await Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
}

/** Trains a loaded copy one epoch in a new `deno run` process; returns its weights. */
async function trainInNewProcess(artifacts: tf.io.ModelArtifacts): Promise<number[][]> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
    await Deno.writeTextFile(
      file,
      JSON.stringify({ ...artifacts, weightData: Array.from(data) }),
    );
    const script = `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import * as tfl from "@tensorflow/tfjs-layers";
      import "./mod.ts";
      await tf.setBackend("cpu");
      const saved = JSON.parse(await Deno.readTextFile(${JSON.stringify(file)}));
      saved.weightData = new Uint8Array(saved.weightData).buffer;
      const m = await tfl.loadLayersModel(tf.io.fromMemory(saved));
      const n = 32;
      const x = tf.tensor2d(Array.from({ length: n * 6 }, (_, i) => Math.sin(0.7 * i) * 2), [n, 6]);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), "int32"), 3);
      await m.fit(x, y, ${JSON.stringify(FIT)});
      const w = await Promise.all(m.getWeights().map(async (t) => Array.from(await t.data())));
      console.log(JSON.stringify(w));
    `;
    const root = new URL("../../", import.meta.url).pathname;
    const out = await runChildScript(script, [`--allow-read=${root},${file}`]);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]);
  } finally {
    await Deno.remove(file);
  }
}

/** How many slots an optimizer saves (freeing the iteration scalar getWeights makes). */
async function slotCount(optimizer: tf.Optimizer): Promise<number> {
  const saved = await optimizer.getWeights();
  saved[0].tensor.dispose();
  return saved.length - 1;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length, "number of weights");
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => max = Math.max(max, Math.abs(v - b[i][j]))));
  return max;
}

Deno.test("save with includeOptimizer, reload (same process and a new one), one more epoch: bit-identical, as tf.train.momentum", async () => {
  const before = tf.memory().numTensors;
  const { x, y } = data();
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    const original = model(make());
    await original.fit(x, y, { ...FIT, epochs: 2 });
    const artifacts = await saveWithOptimizer(original);
    const savedSlots = await slotCount(original.optimizer);

    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    assert.notDeepEqual(
      loaded.trainableWeights.map((w) => (w.read() as tf.Variable).name),
      original.trainableWeights.map((w) => (w.read() as tf.Variable).name),
      `${name}: the same-process copy has renamed variables`,
    );
    const elsewhere = await trainInNewProcess(artifacts);
    await original.fit(x, y, FIT);
    await loaded.fit(x, y, FIT);
    const expected = await weights(original);
    assert.equal(maxAbsDiff(await weights(loaded), expected), 0, `${name}: same process`);
    assert.equal(maxAbsDiff(elsewhere, expected), 0, `${name}: new process`);
    // The restored slots were used, not duplicated by fresh ones.
    assert.equal(await slotCount(loaded.optimizer), savedSlots, `${name}: slots`);

    for (const m of [original, loaded]) {
      m.optimizer.dispose();
      m.dispose();
    }
  }
  tf.dispose([x, y]);
  // tfjs-layers 4.22's save() encodes `await optimizer.getWeights()` and never frees the
  // iteration scalar in it: one tensor per save, tf.train.momentum's included. Nothing else.
  const saves = Object.keys(OPTIMIZERS).length;
  assert.equal(tf.memory().numTensors, before + 2 + saves, "tensors left behind");
});

Deno.test("setWeights(await getWeights()) on the same optimizer keeps its state and leaks nothing", async () => {
  const w = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true, "resume/self/kernel");
  const b = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true, "resume/self/kernel2");
  const grad = () => tf.tensor2d([[0.3, -0.1], [0.2, 0.4]]);
  const opts = [lalc({ learningRate: 0.5 }), lalc({ learningRate: 0.5 })];
  const step = (opt: tf.Optimizer, v: tf.Variable) => {
    const g = grad();
    opt.applyGradients({ [v.name]: g });
    g.dispose();
  };
  step(opts[0], w);
  step(opts[1], b);
  const before = tf.memory().numTensors;
  const saved = await opts[0].getWeights();
  await opts[0].setWeights(saved);
  saved[0].tensor.dispose(); // the iteration scalar getWeights made
  assert.equal(tf.memory().numTensors, before, "tensors after the round trip");
  step(opts[0], w);
  step(opts[1], b);
  assert.deepEqual(Array.from(w.dataSync()), Array.from(b.dataSync()));
  for (const o of opts) o.dispose();
  tf.dispose([w, b]);
});
