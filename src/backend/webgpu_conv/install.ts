/**
 * Puts the project's convolutions (this folder) behind tf.js' `webgpu` kernel names
 * `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter`. Each re-registered kernel asks
 * {@link getWebgpuConv} on every call and runs either ours or tf.js' original kernel, saved
 * before it was replaced; tf.js' also runs whatever ours does not cover
 * (`unsupportedReason`). Gradients are unchanged: tf.js' conv2d gradient calls the two
 * backprop kernels by name, so the switch reaches training too.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { unsupportedReason } from "./conv_geometry.ts";
import { conv2dBackpropFilter } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInput } from "./conv2d_backprop_input.ts";
import { conv2dForward } from "./conv2d_forward.ts";
import { getWebgpuConv } from "./switch.ts";

const BACKEND = "webgpu";

interface ConvAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dilations?: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/** A kernel call's inputs by name. */
type Inputs = Record<string, tf.TensorInfo>;

/** Our kernel for one name: the conv info from the call, then the program, given its inputs. */
interface OurKernel {
  readonly name: string;
  info(inputs: Inputs, attrs: ConvAttrs): tf.backend_util.Conv2DInfo;
  run(
    backend: tf.KernelBackend,
    inputs: Inputs,
    info: tf.backend_util.Conv2DInfo,
  ): tf.TensorInfo;
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

const KERNELS: OurKernel[] = [
  {
    name: "Conv2D",
    info: (i, a) => convInfo(i.x.shape, i.filter.shape, a),
    run: (b, i, info) => conv2dForward(b, i.x, i.filter, info),
  },
  {
    name: "Conv2DBackpropInput",
    info: (i, a) => convInfo(a.inputShape!, i.filter.shape, a),
    run: (b, i, info) => conv2dBackpropInput(b, i.dy, i.filter, info),
  },
  {
    name: "Conv2DBackpropFilter",
    info: (i, a) => convInfo(i.x.shape, a.filterShape!, a),
    run: (b, i, info) => conv2dBackpropFilter(b, i.x, i.dy, info),
  },
];

let installed = false;

/**
 * Re-registers the three webgpu convolution kernels behind {@link getWebgpuConv}'s switch
 * (once per process; later calls do nothing). Call after `@tensorflow/tfjs-backend-webgpu`
 * is imported (`loadWebgpuBackend` does).
 */
export function installWebgpuConv(): void {
  if (installed) return;
  for (const ours of KERNELS) {
    const original = tf.getKernel(ours.name, BACKEND);
    if (original === undefined) {
      throw new Error(`webgpu kernel "${ours.name}" is not registered`);
    }
    const kernelFunc: tf.KernelFunc = (args) => {
      if (getWebgpuConv() === "project") {
        const attrs = args.attrs as unknown as ConvAttrs;
        const inputs = args.inputs as Inputs;
        const info = ours.info(inputs, attrs);
        const dtypes = Object.values(inputs).map((t) => t.dtype);
        if (unsupportedReason(info, dtypes) === null) {
          return ours.run(args.backend as tf.KernelBackend, inputs, info);
        }
      }
      return original.kernelFunc(args);
    };
    tf.unregisterKernel(ours.name, BACKEND);
    tf.registerKernel({ ...original, kernelFunc });
  }
  installed = true;
}
