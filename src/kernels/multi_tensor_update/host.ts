/**
 * `MultiTensorUpdate` on the host backends (`cpu`, `wasm`, `native`): one kernel call runs
 * every tensor's update as plain loops over its data, float64 arithmetic rounded to float32
 * once per stored element.
 *
 * Per tensor, at most two passes: a tensor with the layer-wise rate first sums `||w||^2`
 * and `||u||^2` (`u` the direction the rate scales), then one pass writes the new param and
 * slots; a tensor without it takes the second pass only. The per-tensor choices (decay,
 * Nesterov, the method) are made outside the loops, which stay branch-free.
 *
 * On `wasm` and `native`, the momentum methods' two loops (`traceNorms`, `traceUpdate`) run
 * as wasm SIMD instead (./simd.ts), with the same bits (simd_test.ts checks it); LAMB keeps
 * its JavaScript loops there too. The JavaScript loops stay the reference and run on `cpu`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { hostIO } from "../host.ts";
import { adamScales, directionFactor, paramCount, stepFactor, type UpdateAttrs } from "./attrs.ts";
import { traceSimd } from "./simd.ts";

/** `[sum w^2, sum u^2]` with `u = g + lambda*w`, in float64. */
function traceNorms(w: Float32Array, g: Float32Array, lambda: number): [number, number] {
  let sw = 0, su = 0;
  for (let j = 0; j < w.length; j++) {
    const wj = w[j];
    const u = g[j] + lambda * wj;
    sw += wj * wj;
    su += u * u;
  }
  return [Math.sqrt(sw), Math.sqrt(su)];
}

/**
 * The momentum trace on `a = f*u`, `u = g + lambda*w`: `m' = a + mu*m`, then
 * `w' = w + post*(nesterov ? a + mu*m' : m')` (`post` is `-eta` for momentum SGD, whose rate
 * sits outside the buffer, else 1: see `stepFactor` in ./attrs.ts).
 */
function traceUpdate(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  wOut: Float32Array,
  mOut: Float32Array,
  c: { lambda: number; f: number; mu: number; post: number; nesterov: boolean },
): void {
  const { lambda, f, mu, post } = c;
  if (c.nesterov) {
    for (let j = 0; j < w.length; j++) {
      const a = f * (g[j] + lambda * w[j]);
      const next = a + mu * m[j];
      mOut[j] = next;
      wOut[j] = w[j] + post * (a + mu * next);
    }
  } else {
    for (let j = 0; j < w.length; j++) {
      const next = f * (g[j] + lambda * w[j]) + mu * m[j];
      mOut[j] = next;
      wOut[j] = w[j] + post * next;
    }
  }
}

/** LAMB's moments: writes `m'`, `v'`; returns `[||w||, ||u||]` of `u = r + lambda*w`. */
function lambMoments(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  c: { b1: number; b2: number; scale: number; epsHat: number; lambda: number },
): [number, number] {
  const { b1, b2, scale, epsHat, lambda } = c;
  const [c1, c2] = [1 - b1, 1 - b2];
  let sw = 0, su = 0;
  for (let j = 0; j < w.length; j++) {
    const gj = g[j], wj = w[j];
    // The direction is taken from the STORED (float32) moments, as the chain does and as
    // the second pass re-reads them.
    mOut[j] = b1 * m[j] + c1 * gj;
    vOut[j] = b2 * v[j] + c2 * gj * gj;
    const u = (mOut[j] * scale) / (Math.sqrt(vOut[j]) + epsHat) + lambda * wj;
    sw += wj * wj;
    su += u * u;
  }
  return [Math.sqrt(sw), Math.sqrt(su)];
}

/** LAMB's step from the new moments: `w' = w + f*(m'*scale/(sqrt(v')+epsHat) + lambda*w)`. */
function lambStep(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  wOut: Float32Array,
  c: { scale: number; epsHat: number; lambda: number; f: number },
): void {
  const { scale, epsHat, lambda, f } = c;
  for (let j = 0; j < w.length; j++) {
    const wj = w[j];
    wOut[j] = wj + f * ((m[j] * scale) / (Math.sqrt(v[j]) + epsHat) + lambda * wj);
  }
}

/**
 * The kernel body: see `MULTI_TENSOR_UPDATE_KERNEL` in `src/kernel_names.ts`. `simd: false`
 * keeps the JavaScript loops even on a wasm heap (the reference the SIMD loops are tested
 * and timed against).
 */
export function multiTensorUpdateHost(
  args: {
    inputs: tf.NamedTensorInfoMap;
    backend: unknown;
    attrs?: tf.NamedAttrMap;
  },
  simd = true,
): tf.TensorInfo[] {
  const attrs = args.attrs as unknown as UpdateAttrs;
  // A list input arrives keyed "0", "1", ...
  const inputs = Object.keys(args.inputs).map((_, k) => args.inputs[k] as tf.TensorInfo);
  const p = paramCount(attrs, inputs.length);
  const io = hostIO(args.backend as tf.KernelBackend);
  // Every output before any view (a wasm heap may grow and detach the views taken before):
  // the new params, then the new slots, shaped as the inputs they replace.
  const replaced = [...inputs.slice(0, p), ...inputs.slice(2 * p)];
  const outputs = io.allocate(replaced.map((t) => ({ shape: t.shape })));
  const wasm = simd && attrs.method !== "lamb" ? traceSimd(io.heap) : null;
  for (let i = 0; i < p; i++) {
    const w = io.floats(inputs[i]), g = io.floats(inputs[p + i]);
    const wOut = io.floats(outputs[i]);
    const lambda = attrs.decayMask[i] ? attrs.weightDecay : 0;
    const trusted = attrs.trustMask[i];
    if (attrs.method === "lamb") {
      const [m, v] = [io.floats(inputs[2 * p + i]), io.floats(inputs[3 * p + i])];
      const [mOut, vOut] = [io.floats(outputs[p + i]), io.floats(outputs[2 * p + i])];
      const { scale, epsHat } = adamScales(attrs);
      const [wNorm, uNorm] = lambMoments(w, g, m, v, mOut, vOut, {
        b1: attrs.beta1,
        b2: attrs.beta2,
        scale,
        epsHat,
        lambda,
      });
      const f = directionFactor(attrs, trusted, wNorm, uNorm);
      lambStep(w, mOut, vOut, wOut, { scale, epsHat, lambda, f });
      continue;
    }
    const m = io.floats(inputs[2 * p + i]), mOut = io.floats(outputs[p + i]);
    const [wNorm, uNorm] = trusted && attrs.method !== "momentum"
      ? (wasm?.norms ?? traceNorms)(w, g, lambda)
      : [NaN, NaN];
    const constants = {
      lambda: attrs.method === "momentum" ? 0 : lambda,
      f: directionFactor(attrs, trusted, wNorm, uNorm),
      mu: attrs.momentum,
      post: stepFactor(attrs),
      nesterov: attrs.nesterov,
    };
    // SIMD takes the elements in pairs; JavaScript the rest (all of them without SIMD).
    const done = wasm === null ? 0 : wasm.update({ w, g, m }, { wOut, mOut }, constants);
    const rest = (a: Float32Array) => done === 0 ? a : a.subarray(done);
    traceUpdate(rest(w), rest(g), rest(m), rest(wOut), rest(mOut), constants);
  }
  return outputs;
}
