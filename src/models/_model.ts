/**
 * Internal glue shared by the model families: block names, the forward signature and the
 * assembly of a {@link Model} from a {@link ParamStore}.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Model, ModelSpec } from "./types.ts";
import type { ParamStore } from "./params.ts";

/** A family's forward pass, before input checking. */
export type ForwardImpl = (
  x: tf.Tensor,
  options: { training: boolean; keepActivations?: boolean },
) => ForwardResult;

/** `block01`, `block02`, ... (two digits keep the names sorted up to 99 blocks). */
export function blockName(i: number): string {
  return `block${String(i).padStart(2, "0")}`;
}

/** Wraps a family's variables and forward pass into a {@link Model}. */
export function assembleModel(
  store: ParamStore,
  spec: ModelSpec,
  inputShape: readonly number[],
  forward: ForwardImpl,
): Model {
  const expected = inputShape.join(", ");
  return {
    name: store.name,
    spec,
    params: store.params,
    state: store.state,
    layers: store.layers,
    forward(x, options) {
      const got = x.shape.slice(1);
      if (x.rank < 2 || got.join(", ") !== expected) {
        throw new Error(
          `${store.name}: x must have shape [batch, ${expected}], got [${x.shape.join(", ")}]`,
        );
      }
      return forward(x, options);
    },
    dispose() {
      store.dispose();
    },
  };
}
