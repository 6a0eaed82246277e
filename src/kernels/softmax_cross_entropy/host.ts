/**
 * The softmax cross-entropy kernels for the host backends (`cpu`, `wasm`, `native`): plain
 * loops over the tensors' typed arrays (see ../host.ts), float64 arithmetic, one rounding to
 * float32 per stored element.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { hostIO } from "../host.ts";

/** The forward kernel's inputs. */
export interface ForwardInputs {
  /** float32 `[B, K]`. */
  readonly logits: tf.TensorInfo;
  /** int32 `[B]`. */
  readonly labels: tf.TensorInfo;
}

/** The backward kernel's inputs. */
export interface GradInputs {
  /** float32 scalar: the loss' upstream gradient. */
  readonly dy: tf.TensorInfo;
  /** float32 `[B, K]`: the forward kernel's softmax. */
  readonly probs: tf.TensorInfo;
  /** int32 `[B]`. */
  readonly labels: tf.TensorInfo;
}

/** The `[B, K]` of a logits tensor, checked. */
export function logitsShape(logits: tf.TensorInfo, labels: tf.TensorInfo): [number, number] {
  const [rows, classes] = logits.shape;
  if (logits.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== rows) {
    throw new Error(
      `softmax cross-entropy: expected logits [B, K] and labels [B], got [${logits.shape}] ` +
        `and [${labels.shape}]`,
    );
  }
  return [rows, classes];
}

/**
 * Forward: `[loss, probs]`. Each row's log-sum-exp is taken after subtracting the row max, in
 * float64, so logits of +-80 (where float32 `exp` overflows) give the exact loss. A label
 * outside `[0, K)` adds nothing to the loss (the unfused path's `tf.oneHot` row is zero)
 * but still counts in the mean's `B`.
 */
export function softmaxCrossEntropyHost(
  args: { inputs: ForwardInputs; backend: tf.KernelBackend },
): tf.TensorInfo[] {
  const { logits, labels } = args.inputs;
  const [rows, classes] = logitsShape(logits, labels);
  const io = hostIO(args.backend);
  const [loss, probs] = io.allocate([{ shape: [] }, { shape: [rows, classes] }]);
  const x = io.floats(logits), y = io.view(labels), p = io.floats(probs);
  const exps = new Float64Array(classes);
  let total = 0;
  for (let r = 0, row = 0; r < rows; r++, row += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, x[row + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += exps[k] = Math.exp(x[row + k] - max);
    const inverse = 1 / sum;
    for (let k = 0; k < classes; k++) p[row + k] = exps[k] * inverse;
    const label = y[r];
    // One branch per row, not per element: the unfused path's zero one-hot row.
    if (label >= 0 && label < classes) total += max + Math.log(sum) - x[row + label];
  }
  io.floats(loss)[0] = total / rows;
  return [loss, probs];
}

/** Backward: `dy * (probs - onehot(labels)) / B`, a zero row for a label outside `[0, K)`. */
export function softmaxCrossEntropyGradHost(
  args: { inputs: GradInputs; backend: tf.KernelBackend },
): tf.TensorInfo {
  const { dy, probs, labels } = args.inputs;
  const [rows, classes] = logitsShape(probs, labels);
  const io = hostIO(args.backend);
  const [dx] = io.allocate([{ shape: [rows, classes] }]);
  const g = io.floats(dy), p = io.floats(probs), y = io.view(labels), out = io.floats(dx);
  const scale = g[0] / rows;
  for (let r = 0, row = 0; r < rows; r++, row += classes) {
    const label = y[r];
    // +(label in range): 1 for a valid row, 0 (a zero gradient row) otherwise.
    const rowScale = scale * +(label >= 0 && label < classes);
    for (let k = 0; k < classes; k++) out[row + k] = rowScale * (p[row + k] - +(k === label));
  }
  return dx;
}
