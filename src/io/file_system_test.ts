import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { lalc } from "../../mod.ts";
import { fileSystem } from "./file_system.ts";

function tinyModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 4, activation: "relu" }),
      tf.layers.dense({ units: 2 }),
    ],
  });
  model.compile({ optimizer: lalc({ learningRate: 0.05 }), loss: "meanSquaredError" });
  return model;
}

Deno.test("fileSystem: a saved model loads with the same weights, its LALC state and the same next step", async () => {
  await tf.setBackend("cpu");
  const dir = await Deno.makeTempDir();
  try {
    const x = tf.randomNormal([8, 3], 0, 1, "float32", 1);
    const y = tf.randomNormal([8, 2], 0, 1, "float32", 2);
    const model = tinyModel();
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
    const result = await model.save(fileSystem(dir), { includeOptimizer: true });
    assertEquals(result.modelArtifactsInfo.modelTopologyType, "JSON");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, ["model.json", "weights.bin"]);

    const before = tf.memory().numTensors;
    const loaded = await tf.loadLayersModel(fileSystem(dir));
    assertEquals(loaded.optimizer.getClassName(), "LALC");
    assertEquals(loaded.optimizer.iterations, 2);
    const saved = model.getWeights().map((w) => Array.from(w.dataSync()));
    assertEquals(loaded.getWeights().map((w) => Array.from(w.dataSync())), saved);
    // One more step from each: exact resume (momentum slots restored).
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    await loaded.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    assertEquals(
      loaded.getWeights().map((w) => Array.from(w.dataSync())),
      model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    loaded.dispose();
    loaded.optimizer.dispose();
    assertEquals(tf.memory().numTensors <= before, true);
    model.dispose();
    model.optimizer.dispose();
    tf.dispose([x, y]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileSystem: loading a folder without model.json, or with a broken one, names the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(fileSystem(`${dir}/absent`).load!(), Deno.errors.NotFound);
    await Deno.writeTextFile(`${dir}/model.json`, "{not json");
    await rejects(fileSystem(dir).load!(), (e: Error) => {
      assertEquals(e.message.startsWith(`fileSystem: ${dir}/model.json is not JSON`), true);
      return true;
    });
    await Deno.writeTextFile(`${dir}/model.json`, "{}");
    await rejects(fileSystem(dir).load!(), /has no modelTopology/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
