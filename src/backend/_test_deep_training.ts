/**
 * Test helper: a few steps of the project's own models (`buildModel`), step (`trainStep`) and
 * optimizer (`momentum`) at several depths, returning losses and gradient norms so a backend
 * can be compared with cpu. Deeper networks have more parameters, which is what exposed
 * webgpu's `AddN` limit (webgpu_addn.ts): the one-block tiny networks never reached it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "./backend.ts";
import { randomData } from "./_test_compare.ts";
import { buildModel } from "../models/build.ts";
import type { ModelKind } from "../models/types.ts";
import { momentum } from "../optim/momentum.ts";
import { trainStep } from "../train/step.ts";

/** The networks compared: MLPs and CNNs of depth 2 to 8. */
export const DEEP_CASES: readonly { kind: ModelKind; depth: number }[] = [
  { kind: "mlp", depth: 2 },
  { kind: "mlp", depth: 4 },
  { kind: "mlp", depth: 8 },
  { kind: "cnn", depth: 2 },
  { kind: "cnn", depth: 4 },
];

/** Per step: the loss and the total gradient norm (the last of trainStep's norms). */
export interface Curve {
  readonly losses: number[];
  readonly gradNorms: number[];
}

/** `steps` momentum steps (rate 0.05) of a width-8 `kind` of `depth` on a fixed batch of 16. */
export async function deepTrainingCurve(
  backend: BackendName,
  kind: ModelKind,
  depth: number,
  steps: number,
): Promise<Curve> {
  await useBackend(backend);
  const shape = kind === "mlp" ? [12, 12, 1] : [8, 8, 2];
  const model = buildModel({ kind, depth, width: 8, seed: 3 }, shape, 4);
  const optimizer = momentum({ learningRate: 0.05, momentum: 0.9 });
  const x = tf.tensor(randomData(16 * shape[0] * shape[1] * shape[2], 17), [16, ...shape]);
  const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), "int32");
  const curve: Curve = { losses: [], gradNorms: [] };
  try {
    for (let i = 0; i < steps; i++) {
      const { loss, norms } = trainStep(model, optimizer, x, labels);
      curve.losses.push((await loss.data())[0]);
      curve.gradNorms.push((await norms.data()).at(-1)!);
      tf.dispose([loss, norms]);
    }
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, labels]);
  }
  return curve;
}
