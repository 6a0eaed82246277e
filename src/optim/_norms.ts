/**
 * Per-tensor squared L2 norms, computed on the device and returned as ONE vector so the
 * layer-wise ratios of all tensors are a handful of vector ops instead of a few scalar ops per
 * tensor, and nothing is read back to the CPU.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

// Why the wasm path looks odd: measured on wasm (Deno 2.9, tf.js 4.22, 2 cores), the norms of
// the 34 weight/update tensors of a 16-block 256-wide MLP took 2.8 ms as square+sum (the Sum
// kernel is a scalar loop: 30-55 us per 64K floats), 1.5 ms as square+avgPool through the
// tf.* wrappers and 0.75 ms as square+AvgPool through engine.runKernel (AvgPool runs on
// XNNPACK, vectorized over channels). So each large tensor is viewed as [1, rows, 1, LANES],
// average-pooled over the rows, and all the [LANES] means are summed in one Sum.
const LANES = 256;
const POOL_MIN_SIZE = 4096;

function pooled(x: tf.Tensor): boolean {
  return x.size >= POOL_MIN_SIZE && x.size % LANES === 0;
}

/** Mean over rows of `square(x)` viewed as [rows, LANES]: shape [1, 1, 1, LANES]. */
function rowMeanOfSquares(x: tf.Tensor): tf.Tensor {
  // The tidy frees each square before the next is made, so one buffer is reused while hot in
  // cache instead of 34 of them piling up until the step ends.
  return tf.tidy(() => {
    const engine = tf.engine();
    const rows = x.size / LANES;
    const sq = engine.runKernel("Square", { x }) as tf.Tensor;
    const x4 = engine.runKernel("Reshape", { x: sq }, { shape: [1, rows, 1, LANES] }) as tf.Tensor;
    return engine.runKernel("AvgPool", { x: x4 }, {
      filterSize: [rows, 1],
      strides: [rows, 1],
      pad: "valid",
    }) as tf.Tensor;
  });
}

/** `[||x_0||^2, ..., ||x_k||^2]` as one float32 vector (empty input gives shape [0]). */
export function squaredNorms(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  if (tensors.length === 0) return tf.zeros([0]);
  const usePool = tf.getBackend() === "wasm";
  const big = usePool ? tensors.map((t, i) => pooled(t) ? i : -1).filter((i) => i >= 0) : [];
  if (big.length === 0) {
    return tf.stack(tensors.map((t) => tf.tidy(() => tf.sum(tf.square(t))))) as tf.Tensor1D;
  }
  const means = tf.reshape(tf.stack(big.map((i) => rowMeanOfSquares(tensors[i]))), [
    big.length,
    LANES,
  ]);
  const rows = tf.tensor1d(big.map((i) => tensors[i].size / LANES));
  const bigSums = tf.mul(tf.sum(means, 1), rows);
  if (big.length === tensors.length) return bigSums as tf.Tensor1D;
  const isBig = new Set(big);
  const small = tensors.map((_, i) => i).filter((i) => !isBig.has(i));
  const smallSums = tf.stack(small.map((i) => tf.tidy(() => tf.sum(tf.square(tensors[i])))));
  // Back to input order: position of each tensor in concat([bigSums, smallSums]).
  const where = new Array<number>(tensors.length);
  big.forEach((i, k) => where[i] = k);
  small.forEach((i, k) => where[i] = big.length + k);
  return tf.gather(tf.concat([bigSums, smallSums]), tf.tensor1d(where, "int32")) as tf.Tensor1D;
}
