/**
 * Global average pooling (`mean` over height and width) with a backward pass that makes no
 * tensor in JavaScript. tf.js' `Mean` gradient computes `dy * ones(x.shape) / N` with
 * `ones(x.shape)` and `N` built on the CPU: on `webgpu` both are uploaded every step (the
 * `ones` is as large as the pooled activation: 16 MiB a step for a ResNet at batch 1024) and
 * each upload may end the open compute pass (bench/gpu_counts.ts counts them). Here the
 * backward is `broadcast(dy / N)`: the same quotient per element (multiplying by 1 is exact),
 * so the same bits, from one small division and one broadcast, with `N` made by `fill` (a
 * dispatch on webgpu, no upload). `setFusedKernels(false)` gives back tf.js' own path.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedKernelsEnabled } from "../kernels/switch.ts";

/** `x` [batch, height, width, channels] -> [batch, channels], the same forward as tf.js' mean. */
const poolWithBroadcastGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const [batch, height, width, channels] = x.shape;
  return {
    value: tf.mean(x, [1, 2]),
    gradFunc: (dy: tf.Tensor) => {
      const perPixel = tf.div(
        tf.reshape(dy, [batch, 1, 1, channels]),
        tf.fill([], height * width, "float32"),
      );
      return tf.broadcastTo(perPixel, x.shape);
    },
  };
});

/**
 * The mean of `x` [batch, height, width, channels] over height and width: [batch, channels].
 * With the fused kernels on (the default), its gradient uploads nothing (see the module
 * note); its values and its gradient's are tf.js' `mean`'s, bit for bit.
 */
export function globalAveragePool(x: tf.Tensor): tf.Tensor {
  if (x.rank !== 4) throw new Error(`globalAveragePool: expected rank 4, got ${x.shape}`);
  return fusedKernelsEnabled() ? poolWithBroadcastGradient(x) : tf.mean(x, [1, 2]);
}
