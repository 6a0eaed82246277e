/**
 * The single model factory.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Model, MODEL_KINDS, type ModelKind, type ModelSpec } from "./types.ts";
import { ParamStore } from "./params.ts";
import { assembleModel, type ForwardImpl } from "./_model.ts";
import { buildMlp } from "./mlp.ts";
import { buildCnn } from "./cnn.ts";
import { buildResnet } from "./resnet.ts";

const builders: Record<
  ModelKind,
  (s: ParamStore, spec: ModelSpec, shape: readonly number[], k: number) => ForwardImpl
> = { mlp: buildMlp, cnn: buildCnn, resnet: buildResnet };

let counter = 0;

/** `${kind}${counter}`, skipping names some variable already uses (e.g. a second module copy). */
function uniqueName(kind: ModelKind): string {
  const taken = Object.keys(tf.engine().registeredVariables);
  for (;;) {
    const name = `${kind}${counter++}`;
    if (!taken.some((v) => v.startsWith(`${name}/`))) return name;
  }
}

function validate(spec: ModelSpec, inputShape: readonly number[], numClasses: number): void {
  if (!(MODEL_KINDS as readonly string[]).includes(spec.kind)) {
    throw new Error(`spec.kind must be one of ${MODEL_KINDS.join(", ")}, got "${spec.kind}"`);
  }
  if (!Number.isInteger(spec.depth) || spec.depth < 1) {
    throw new Error(`spec.depth must be a positive integer, got ${spec.depth}`);
  }
  if (!Number.isInteger(spec.width) || spec.width < 1) {
    throw new Error(`spec.width must be a positive integer, got ${spec.width}`);
  }
  if (!Number.isFinite(spec.seed)) throw new Error(`spec.seed must be finite, got ${spec.seed}`);
  if (spec.activation !== undefined && spec.activation !== "relu" && spec.activation !== "linear") {
    throw new Error(`spec.activation must be "relu" or "linear", got "${spec.activation}"`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`numClasses must be an integer >= 2, got ${numClasses}`);
  }
  if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`inputShape must be positive integers, got [${inputShape.join(", ")}]`);
  }
  if (spec.kind !== "mlp" && inputShape.length !== 3) {
    throw new Error(
      `inputShape for a ${spec.kind} must be [height, width, channels], got [${
        inputShape.join(", ")
      }]`,
    );
  }
}

/**
 * Builds a model of `spec` for samples of `inputShape` and `numClasses` classes. Every call
 * gets a fresh unique name (`mlp0`, `mlp1`, ...); the same `spec.seed` gives the same initial
 * weights.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { buildModel } from "@lalc/large-batch/models";
 * import { useBackend } from "@lalc/large-batch/backend";
 * await useBackend("cpu");
 * const model = buildModel({ kind: "mlp", depth: 2, width: 8, seed: 1 }, [4], 3);
 * const { logits } = model.forward(tf.ones([5, 4]), { training: false });
 * assertEquals(logits.shape, [5, 3]);
 * logits.dispose();
 * model.dispose();
 * ```
 */
export function buildModel(
  spec: ModelSpec,
  inputShape: readonly number[],
  numClasses: number,
): Model {
  validate(spec, inputShape, numClasses);
  const store = new ParamStore(uniqueName(spec.kind), spec.seed);
  try {
    const forward = builders[spec.kind](store, spec, inputShape, numClasses);
    return assembleModel(store, spec, inputShape, forward);
  } catch (err) {
    store.dispose();
    throw err;
  }
}
