/**
 * `MultiTensorUpdate` on tf.js' `webgpu` backend: WGSL programs run through the backend's
 * own `runWebGPUProgram` (see `../webgpu.ts`), inside the one tf.js kernel call.
 *
 * tf.js gives a program ONE output, and asks WebGPU for the default 8 storage buffers per
 * shader stage, so one dispatch cannot update every tensor: each tensor takes its own small
 * programs, recorded into the backend's one command encoder:
 *
 * - momentum: 2 dispatches (the new buffer, the new param);
 * - LALC, LARS: 2, plus 1 reduction (`[||w||^2, ||u||^2]` in one workgroup) on a tensor
 *   with the layer-wise rate, whose factor each thread then derives from the two sums;
 * - LAMB: 3 (both moments, the param), plus 1 reduction on a tensor with the trust ratio.
 *
 * A 66-tensor MLP step with LALC is thus ~166 dispatches in ONE tf.js kernel (the chain's
 * `tf.profile` counts ~10 kernels a tensor). The sums are float32 (WGSL has no f64).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  flatProgram,
  MAIN,
  runProgram,
  type WebgpuLike,
  type WgslProgram,
  type WgslUniform,
} from "../webgpu.ts";
import { adamScales, directionFactor, paramCount, stepFactor, type UpdateAttrs } from "./attrs.ts";

/** The uniforms of every program here, in this order. */
const UNIFORMS = "lambda : f32, f : f32, mu : f32, post : f32, eta : f32, kappa : f32, " +
  "eps : f32, lo : f32, hi : f32, scale : f32, epsHat : f32, b1 : f32, b2 : f32, count : i32,";

const REDUCE_THREADS = 256;

/** The WGSL of `directionFactor` (attrs.ts) for `attrs.method`, in float32. */
function factorSnippet(attrs: UpdateAttrs): string {
  const head = `fn layerFactor(wn : f32, un : f32) -> f32 {
    let eta = uniforms.eta;
    let zero = wn == 0.0 || un == 0.0;`;
  switch (attrs.method) {
    case "lalc":
      return `${head}
    let local = select(wn * uniforms.kappa / (un + uniforms.eps), eta, zero);
    return -min(max(local, uniforms.lo), uniforms.hi);
  }`;
    case "lars":
      return `${head}
    let ratio = select(wn * uniforms.kappa / (un + uniforms.eps), 1.0, zero);
    return ${attrs.trustClip ? "-min(ratio, eta)" : "-eta * ratio"};
  }`;
    case "lamb":
      return `${head}
    let raw = select(wn / un, 1.0, zero);
    return -eta * ${attrs.trustClip ? "min(raw, 1.0)" : "raw"};
  }`;
    default:
      return `fn layerFactor(wn : f32, un : f32) -> f32 { return uniforms.f; }`;
  }
}

/** The factor of this thread's tensor: from the sums when `trusted`, else `uniforms.f`. */
const factorOf = (trusted: boolean) =>
  trusted ? "layerFactor(sqrt(norms[0]), sqrt(norms[1]))" : "uniforms.f";

/** `[sum w^2, sum u^2]` of one tensor, in one workgroup; `u` is given as WGSL over `j`. */
function reduceProgram(key: string, names: string[], direction: string): WgslProgram {
  const body = `
  var<workgroup> partW : array<f32, ${REDUCE_THREADS}>;
  var<workgroup> partU : array<f32, ${REDUCE_THREADS}>;
  ${MAIN} {
    let t = i32(localId.x);
    let n = uniforms.count; // not arrayLength: a pooled buffer may be larger
    var sw = 0.0;
    var su = 0.0;
    for (var j = t; j < n; j = j + ${REDUCE_THREADS}) {
      let wj = param[j];
      let u = ${direction};
      sw = sw + wj * wj;
      su = su + u * u;
    }
    partW[t] = sw;
    partU[t] = su;
    workgroupBarrier();
    for (var stride = ${REDUCE_THREADS / 2}; stride > 0; stride = stride / 2) {
      if (t < stride) {
        partW[t] = partW[t] + partW[t + stride];
        partU[t] = partU[t] + partU[t + stride];
      }
      workgroupBarrier();
    }
    if (t == 0) {
      setOutputAtIndex(0, partW[0]);
      setOutputAtIndex(1, partU[0]);
    }
  }`;
  return flatProgram(key, [2], names, body, {
    threads: REDUCE_THREADS,
    workgroup: REDUCE_THREADS,
    uniforms: UNIFORMS,
  });
}

/** An elementwise program over a tensor of `shape`: `value` is WGSL over `j`. */
function mapProgram(
  key: string,
  shape: number[],
  names: string[],
  prelude: string,
  value: string,
): WgslProgram {
  const body = `
  ${prelude}
  ${MAIN} {
    let j = index;
    if (j < uniforms.size) {
      setOutputAtIndex(j, ${value});
    }
  }`;
  return flatProgram(key, shape, names, body, { uniforms: UNIFORMS });
}

/** The kernel body: see `MULTI_TENSOR_UPDATE_KERNEL` in `src/kernel_names.ts`. */
export function multiTensorUpdateWebgpu(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const attrs = args.attrs as unknown as UpdateAttrs;
  const backend = args.backend as WebgpuLike;
  const inputs = Object.keys(args.inputs).map((_, k) => args.inputs[k] as tf.TensorInfo);
  const p = paramCount(attrs, inputs.length);
  const eta = attrs.learningRate;
  const { scale, epsHat } = adamScales(attrs);
  const method = attrs.method;
  const factor = factorSnippet(attrs);
  const newParams: tf.TensorInfo[] = [];
  const newSlots: tf.TensorInfo[][] = method === "lamb" ? [[], []] : [[]];
  const temporaries: tf.TensorInfo[] = [];
  for (let i = 0; i < p; i++) {
    const [w, g] = [inputs[i], inputs[p + i]];
    const shape = [...w.shape];
    const trusted = attrs.trustMask[i] && method !== "momentum";
    const lambda = attrs.decayMask[i] && method !== "momentum" ? attrs.weightDecay : 0;
    const uniforms: WgslUniform[] = [
      lambda,
      // An untrusted tensor's factor: 1 or -eta (momentum SGD), -eta (the others).
      trusted ? NaN : directionFactor(attrs, false, NaN, NaN),
      attrs.momentum,
      stepFactor(attrs),
      eta,
      method === "lamb" ? 1 : attrs.trustCoefficient,
      method === "lamb" ? 0 : attrs.epsilon,
      attrs.minRatio * eta,
      attrs.maxRatio * eta,
      scale,
      epsHat,
      attrs.beta1,
      attrs.beta2,
    ].map((v): WgslUniform => ({ type: "float32", data: [v] }));
    uniforms.push({ type: "int32", data: [tf.util.sizeFromShape(w.shape)] });
    const run = (program: WgslProgram, ins: tf.TensorInfo[]) =>
      runProgram(backend, program, ins, uniforms);
    const tag = `multiTensorUpdate_${method}_${attrs.trustClip}_${attrs.nesterov}_${trusted}`;
    if (method === "lamb") {
      const m = run(
        mapProgram(
          `${tag}_m`,
          shape,
          ["grad", "mom"],
          "",
          "uniforms.b1 * mom[j] + (1.0 - uniforms.b1) * grad[j]",
        ),
        [g, inputs[2 * p + i]],
      );
      const v = run(
        mapProgram(
          `${tag}_v`,
          shape,
          ["grad", "sec"],
          "",
          "uniforms.b2 * sec[j] + (1.0 - uniforms.b2) * grad[j] * grad[j]",
        ),
        [g, inputs[3 * p + i]],
      );
      const direction =
        "mom[j] * uniforms.scale / (sqrt(sec[j]) + uniforms.epsHat) + uniforms.lambda * param[j]";
      const ins = [w, m, v];
      const names = ["param", "mom", "sec"];
      if (trusted) {
        const sums = run(
          reduceProgram(`${tag}_norms`, names, direction.replaceAll("param[j]", "wj")),
          ins,
        );
        temporaries.push(sums);
        ins.push(sums), names.push("norms");
      }
      newParams.push(
        run(
          mapProgram(
            `${tag}_w`,
            shape,
            names,
            factor,
            `param[j] + ${factorOf(trusted)} * (${direction})`,
          ),
          ins,
        ),
      );
      newSlots[0].push(m), newSlots[1].push(v);
      continue;
    }
    const direction = "grad[j] + uniforms.lambda * param[j]";
    const ins = [w, g, inputs[2 * p + i]];
    const names = ["param", "grad", "mom"];
    if (trusted) {
      const sums = run(
        reduceProgram(`${tag}_norms`, ["param", "grad"], direction.replaceAll("param[j]", "wj")),
        [w, g],
      );
      temporaries.push(sums);
      ins.push(sums), names.push("norms");
    }
    const a = `${factorOf(trusted)} * (${direction})`;
    const m = run(mapProgram(`${tag}_m`, shape, names, factor, `${a} + uniforms.mu * mom[j]`), ins);
    // The param's program reads the new buffer `next` (a program has one output), and binds
    // only what its expression reads: the pipeline's automatic layout drops unused inputs.
    const [stepNames, stepIns] = attrs.nesterov
      ? [[...names.filter((n) => n !== "mom"), "next"], [
        ...ins.filter((_, k) => names[k] !== "mom"),
        m,
      ]]
      : [["param", "next"], [w, m]];
    const step = attrs.nesterov ? `${a} + uniforms.mu * next[j]` : "next[j]";
    newParams.push(
      run(
        mapProgram(`${tag}_w`, shape, stepNames, factor, `param[j] + uniforms.post * (${step})`),
        stepIns,
      ),
    );
    newSlots[0].push(m);
  }
  for (const t of temporaries) backend.disposeData(t.dataId);
  return [...newParams, ...newSlots.flat()];
}
