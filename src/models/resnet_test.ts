import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "./build.ts";
import { resnetBlocksPerStage } from "./resnet.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { gatherBatch, shuffledOrder } from "../data/batch.ts";
import { sgdSteps } from "./_test_sgd.ts";

await useBackend("cpu");

Deno.test("ResNet depth 6n+2: stages of n blocks, widths w, 2w, 4w, stride 2 between", () => {
  assert.equal(resnetBlocksPerStage(20), 3);
  const m = buildModel({ kind: "resnet", depth: 14, width: 4, seed: 0 }, [8, 8, 3], 10);
  const x = tf.randomNormal([2, 8, 8, 3]);
  const { logits, activations } = m.forward(x, { training: true, keepActivations: true });
  assert.deepEqual(logits.shape, [2, 10]);
  // stem + 6 blocks
  assert.deepEqual(activations!.map((a) => a.shape.slice(1).join("x")), [
    "8x8x4",
    "8x8x4",
    "8x8x4",
    "4x4x8",
    "4x4x8",
    "2x2x16",
    "2x2x16",
  ]);
  tf.dispose([x, logits, ...activations!]);
  m.dispose();
});

Deno.test("ResNet: SGD lowers the loss on synthetic images, without leaks", () => {
  const data = makeSyntheticDataset({
    sampleShape: [8, 8, 3],
    trainCount: 16,
    correlation: 0.3,
    seed: 1,
  });
  const { x, y } = gatherBatch(data.train, shuffledOrder(16, 0, 0), 0, 16);
  const m = buildModel({ kind: "resnet", depth: 8, width: 4, seed: 0 }, [8, 8, 3], 10);
  const before = tf.memory().numTensors;
  const losses = sgdSteps(m, x, y, 10, 0.2);
  assert.equal(tf.memory().numTensors, before);
  // measured: 2.41 -> 0.39 over 10 steps
  assert.ok(losses[9] < 0.5 * losses[0], `${losses[0]} -> ${losses[9]}`);
  tf.dispose([x, y]);
  m.dispose();
});
