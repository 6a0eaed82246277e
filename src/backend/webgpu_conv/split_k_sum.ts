/**
 * The second pass of a split-K GEMM: the sum over `splits` partial products laid one after
 * another (`[splits, size]` flat), one thread per output element, reading the partials in
 * split order so each sum is the same on every run (no atomics: WGSL has no float atomics).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { flatProgram, MAIN, runProgram } from "../../kernels/webgpu.ts";

const BODY = `
  ${MAIN} {
    if (index >= uniforms.size) { return; }
    var total = 0.0;
    for (var s = 0; s < uniforms.splits; s++) {
      total += partials[s * uniforms.size + index];
    }
    setOutputAtIndex(index, total);
  }`;

/** `partials` ([splits * size] float32) summed over the splits: [size]. */
export function sumSplits(
  backend: tf.KernelBackend,
  partials: tf.TensorInfo,
  splits: number,
): tf.TensorInfo {
  const size = tf.util.sizeFromShape(partials.shape) / splits;
  const program = flatProgram("projectConvSplitSum", [size], ["partials"], BODY, {
    uniforms: "splits : i32,",
  });
  return runProgram(backend, program, [partials], [{ type: "int32", data: [splits] }]);
}
