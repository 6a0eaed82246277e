/**
 * `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` on oneDNN 2.6's convolution
 * primitives (the library PyTorch's CPU convolutions run on), in place on tf.js' wasm heap:
 * NHWC activations and tf.js' `[kh, kw, in, out]` filters are described to oneDNN as they lie
 * (tags `nhwc` and `hwio`), so nothing is copied or reordered by us.
 *
 * A primitive is built once per shape and kind and cached (building one takes ~0.1 ms to
 * 1 ms; executing reuses it, only the data pointers change). Cases oneDNN refuses to build
 * and inputs this does not handle (NCHW, non-float32, empty tensors) go to `fallback`, the
 * wasm backend's kernel: never a wrong result.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapView, nativeCalls, type NativeLibs } from "./native_ffi.ts";
import type { NativeHeapBackend } from "./native_matmul.ts";

// Values from oneDNN 2.6's dnnl_types.h (checked against the installed headers).
const F32 = 3;
const TAG_ANY = 1; // let the primitive choose (its fast kernels want blocked filters)
const TAG_NHWC = 20; // dnnl_acdb: logical (n, c, h, w) stored as n, h, w, c
const TAG_HWIO = 30; // dnnl_cdba: logical (o, i, h, w) stored as h, w, i, o = tf.js filters
const FORWARD_TRAINING = 64;
const CONVOLUTION_DIRECT = 1;
const ARG = { src: 1, dst: 17, weights: 33, diffSrc: 129, diffDst: 145, diffWeights: 161 };
const QUERY = { src: 129, diffSrc: 130, weights: 131, diffWeights: 132, dst: 133, diffDst: 134 };
const ARG_FROM = 1;
const ARG_TO = 17;
/** DNNL_MEMORY_ALLOCATE: oneDNN owns the buffer (the filter in its own layout). */
const ALLOCATE = 0xffffffffffffffffn;
const CPU_ENGINE = 1;
const STREAM_DEFAULT = 1;
/** Bytes reserved per dnnl_memory_desc_t (696 in 2.6) and dnnl_convolution_desc_t (5976). */
const MD_WORDS = 128;
const CONV_DESC_WORDS = 1024;

type Kind = "forward" | "backwardData" | "backwardWeights";

/** A built primitive: its memories (data handles set per call) in execution-argument order. */
interface Built {
  readonly primitive: bigint;
  /** Memories over the heap tensors, in argument order (data handles set per call). */
  readonly memories: bigint[];
  /** The execute() argument array: {int arg; dnnl_memory_t} pairs. */
  readonly args: BigInt64Array;
  /** Reorders of the filter into oneDNN's layout, run before the primitive. */
  readonly before: Reorder[];
  /** Reorders of the filter gradient out of oneDNN's layout, run after it. */
  readonly after: Reorder[];
}

/** A reorder primitive and its {from, to} argument array. */
interface Reorder {
  readonly primitive: bigint;
  readonly args: BigInt64Array;
}

/** oneDNN state of one process: the CPU engine, its stream and the primitive cache. */
interface Dnnl {
  readonly libs: NativeLibs;
  readonly engine: bigint;
  readonly stream: bigint;
  readonly cache: Map<string, Built | null>;
}

function check(status: number, what: string): void {
  if (status !== 0) throw new Error(`oneDNN ${what} failed with status ${status}`);
}

/** A handle oneDNN wrote to `out` (handles travel as integers: see native_ffi.ts). */
function handle(out: BigUint64Array): bigint {
  return out[0];
}

let state: Dnnl | undefined;

function dnnl(libs: NativeLibs): Dnnl {
  if (state !== undefined) return state;
  const out = new BigUint64Array(1);
  check(libs.dnnl.dnnl_engine_create(out, CPU_ENGINE, 0n), "engine_create");
  const engine = handle(out);
  check(libs.dnnl.dnnl_stream_create(out, engine, STREAM_DEFAULT), "stream_create");
  state = { libs, engine, stream: handle(out), cache: new Map() };
  return state;
}

const dims = (values: number[]) => {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => (d[i] = BigInt(v)));
  return d;
};

function memoryDesc(libs: NativeLibs, logical: number[], tag: number): BigInt64Array {
  const md = new BigInt64Array(MD_WORDS);
  check(
    libs.dnnl.dnnl_memory_desc_init_by_tag(md, logical.length, dims(logical), F32, tag),
    "memory_desc_init_by_tag",
  );
  return md;
}

/** Builds the primitive of `kind` for `info`, or null when oneDNN refuses the case. */
function build(d: Dnnl, kind: Kind, info: tf.backend_util.Conv2DInfo): Built | null {
  const { libs } = d;
  const api = libs.dnnl;
  const src = memoryDesc(
    libs,
    [info.batchSize, info.inChannels, info.inHeight, info.inWidth],
    TAG_NHWC,
  );
  const weightDims = [info.outChannels, info.inChannels, info.filterHeight, info.filterWidth];
  const weights = memoryDesc(libs, weightDims, TAG_HWIO);
  // The same shape in the layout oneDNN prefers (reordered into before the convolution).
  const weightsAny = memoryDesc(libs, weightDims, TAG_ANY);
  const dst = memoryDesc(
    libs,
    [info.batchSize, info.outChannels, info.outHeight, info.outWidth],
    TAG_NHWC,
  );
  const strides = dims([info.strideHeight, info.strideWidth]);
  const dilates = dims([info.dilationHeight - 1, info.dilationWidth - 1]);
  const padL = dims([info.padInfo.top, info.padInfo.left]);
  const padR = dims([info.padInfo.bottom, info.padInfo.right]);
  const forwardDesc = new BigInt64Array(CONV_DESC_WORDS);
  const out = new BigUint64Array(1);
  if (
    api.dnnl_dilated_convolution_forward_desc_init(
      forwardDesc,
      FORWARD_TRAINING,
      CONVOLUTION_DIRECT,
      src,
      weightsAny,
      0n,
      dst,
      strides,
      dilates,
      padL,
      padR,
    ) !== 0
  ) return null;
  if (api.dnnl_primitive_desc_create(out, forwardDesc, 0n, d.engine, 0n) !== 0) return null;
  const forwardPd = handle(out);
  let pd = forwardPd;
  let roles: [number, number][];
  if (kind === "forward") {
    roles = [[ARG.src, QUERY.src], [ARG.weights, QUERY.weights], [ARG.dst, QUERY.dst]];
  } else {
    const desc = new BigInt64Array(CONV_DESC_WORDS);
    const status = kind === "backwardData"
      ? api.dnnl_dilated_convolution_backward_data_desc_init(
        desc,
        CONVOLUTION_DIRECT,
        src,
        weightsAny,
        dst,
        strides,
        dilates,
        padL,
        padR,
      )
      : api.dnnl_dilated_convolution_backward_weights_desc_init(
        desc,
        CONVOLUTION_DIRECT,
        src,
        weightsAny,
        0n,
        dst,
        strides,
        dilates,
        padL,
        padR,
      );
    if (status !== 0) return null;
    if (api.dnnl_primitive_desc_create(out, desc, 0n, d.engine, forwardPd) !== 0) return null;
    pd = handle(out);
    roles = kind === "backwardData"
      ? [[ARG.diffDst, QUERY.diffDst], [ARG.weights, QUERY.weights], [
        ARG.diffSrc,
        QUERY.diffSrc,
      ]]
      : [[ARG.src, QUERY.src], [ARG.diffDst, QUERY.diffDst], [
        ARG.diffWeights,
        QUERY.diffWeights,
      ]];
  }
  // Activations must be used as they lie (a mismatch would read the heap wrongly: refuse);
  // the filter (small) is reordered to and from the layout the primitive chose.
  const wanted: Record<number, BigInt64Array> = {
    [QUERY.src]: src,
    [QUERY.diffSrc]: src,
    [QUERY.weights]: weights,
    [QUERY.diffWeights]: weights,
    [QUERY.dst]: dst,
    [QUERY.diffDst]: dst,
  };
  const memories: bigint[] = [];
  const before: Reorder[] = [];
  const after: Reorder[] = [];
  const args = new BigInt64Array(2 * roles.length);
  for (const [i, [arg, query]] of roles.entries()) {
    const md = BigInt(api.dnnl_primitive_desc_query_md(pd, query, 0));
    if (md === 0n) return null;
    check(api.memory_create_js_md(out, wanted[query], d.engine, 0n), "memory_create");
    const user = handle(out);
    memories.push(user);
    let used = user;
    if (api.dnnl_memory_desc_equal(md, wanted[query]) !== 1) {
      const filter = query === QUERY.weights || query === QUERY.diffWeights;
      if (!filter) return null;
      check(api.dnnl_memory_create(out, md, d.engine, ALLOCATE), "memory_create");
      used = handle(out);
      const reorder = makeReorder(d, wanted[query], user, md, used, query === QUERY.weights);
      if (reorder === null) return null;
      (query === QUERY.weights ? before : after).push(reorder);
    }
    args[2 * i] = BigInt(arg);
    args[2 * i + 1] = BigInt.asIntN(64, used);
  }
  check(api.dnnl_primitive_create(out, pd), "primitive_create");
  return { primitive: handle(out), memories, args, before, after };
}

/**
 * A reorder between the filter as tf.js lays it out (`user`, descriptor `userMd`) and the
 * layout the primitive chose (`own`, descriptor pointer `ownMd`), in direction `toOwn`.
 */
function makeReorder(
  d: Dnnl,
  userMd: BigInt64Array,
  user: bigint,
  ownMd: bigint,
  own: bigint,
  toOwn: boolean,
): Reorder | null {
  const api = d.libs.dnnl;
  const out = new BigUint64Array(1);
  const status = toOwn
    ? api.reorder_pd_from_js_md(out, userMd, d.engine, ownMd, d.engine, 0n)
    : api.reorder_pd_to_js_md(out, ownMd, d.engine, userMd, d.engine, 0n);
  if (status !== 0) return null;
  check(api.dnnl_primitive_create(out, out[0]), "primitive_create");
  const [from, to] = toOwn ? [user, own] : [own, user];
  const args = new BigInt64Array([
    BigInt(ARG_FROM),
    BigInt.asIntN(64, from),
    BigInt(ARG_TO),
    BigInt.asIntN(64, to),
  ]);
  return { primitive: out[0], args };
}

/**
 * Runs `kind` on the heap regions `regions()` gives (byte offset and size, in the order of
 * the primitive's arguments), called after every allocation.
 */
function execute(
  libs: NativeLibs,
  kind: Kind,
  info: tf.backend_util.Conv2DInfo,
  memory: WebAssembly.Memory,
  regions: () => [number, number][],
): boolean {
  const d = dnnl(libs);
  const key = [
    kind,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.bottom,
    info.padInfo.left,
    info.padInfo.right,
  ].join(",");
  let built = d.cache.get(key);
  if (built === undefined) {
    built = build(d, kind, info);
    d.cache.set(key, built);
  }
  if (built === null) {
    nativeCalls.fallback++;
    return false;
  }
  nativeCalls.native++;
  const at = regions();
  for (let i = 0; i < at.length; i++) {
    check(
      libs.dnnl.dnnl_memory_set_data_handle(built.memories[i], heapView(memory, ...at[i])),
      "memory_set_data_handle",
    );
  }
  const run = (primitive: bigint, args: BigInt64Array) =>
    check(
      libs.dnnl.dnnl_primitive_execute(primitive, d.stream, args.length / 2, args),
      "primitive_execute",
    );
  for (const r of built.before) run(r.primitive, r.args);
  run(built.primitive, built.args);
  for (const r of built.after) run(r.primitive, r.args);
  check(libs.dnnl.dnnl_stream_wait(d.stream), "stream_wait");
  return true;
}

const elements = (t: tf.TensorInfo) => t.shape.reduce((p, q) => p * q, 1);

/** Whether oneDNN may take these tensors (float32, non-empty, NHWC); counts a refusal. */
function usable(tensors: tf.TensorInfo[], dataFormat: unknown): boolean {
  const ok = (dataFormat ?? "NHWC") === "NHWC" &&
    tensors.every((t) => t.dtype === "float32" && elements(t) > 0);
  if (!ok) nativeCalls.fallback++;
  return ok;
}

type Shape4 = [number, number, number, number];

/**
 * The three convolution kernels for the `native` backend; `fallback(name)` gives the wasm
 * kernel each falls back to.
 */
export function nativeConvConfigs(
  libs: NativeLibs,
  fallback: (name: string) => tf.KernelConfig,
  backendName: string,
): tf.KernelConfig[] {
  const forward = fallback("Conv2D");
  const backInput = fallback("Conv2DBackpropInput");
  const backFilter = fallback("Conv2DBackpropFilter");
  const conv2d: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs!;
    if (!usable([x, filter], a.dataFormat)) return forward.kernelFunc(args);
    const backend = args.backend as NativeHeapBackend;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      a.strides as number | [number, number],
      (a.dilations ?? 1) as number | [number, number],
      a.pad as "same" | "valid" | number,
      a.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    );
    const y = backend.makeOutput([...info.outShape], "float32");
    const at = (t: tf.TensorInfo): [number, number] => [
      backend.getMemoryOffset(t.dataId),
      4 * elements(t),
    ];
    if (
      elements(y) > 0 &&
      execute(libs, "forward", info, backend.wasm.asm.memory, () => [at(x), at(filter), at(y)])
    ) {
      return y;
    }
    backend.disposeData(y.dataId);
    return forward.kernelFunc(args);
  };
  const conv2dBackpropInput: tf.KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs!;
    if (!usable([dy, filter], a.dataFormat)) return backInput.kernelFunc(args);
    const backend = args.backend as NativeHeapBackend;
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape as Shape4,
      filter.shape as Shape4,
      a.strides as number | [number, number],
      1,
      a.pad as "same" | "valid" | number,
      a.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    );
    const dx = backend.makeOutput([...(a.inputShape as Shape4)], "float32");
    const at = (t: tf.TensorInfo): [number, number] => [
      backend.getMemoryOffset(t.dataId),
      4 * elements(t),
    ];
    if (
      elements(dx) > 0 &&
      execute(
        libs,
        "backwardData",
        info,
        backend.wasm.asm.memory,
        () => [at(dy), at(filter), at(dx)],
      )
    ) return dx;
    backend.disposeData(dx.dataId);
    return backInput.kernelFunc(args);
  };
  const conv2dBackpropFilter: tf.KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs!;
    if (!usable([x, dy], a.dataFormat)) return backFilter.kernelFunc(args);
    const backend = args.backend as NativeHeapBackend;
    const filterShape = a.filterShape as Shape4;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      a.strides as number | [number, number],
      1,
      a.pad as "same" | "valid" | number,
      a.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    );
    const dw = backend.makeOutput([...filterShape], "float32");
    const at = (t: tf.TensorInfo): [number, number] => [
      backend.getMemoryOffset(t.dataId),
      4 * elements(t),
    ];
    if (
      elements(dw) > 0 &&
      execute(libs, "backwardWeights", info, backend.wasm.asm.memory, () => [at(x), at(dy), at(dw)])
    ) return dw;
    backend.disposeData(dw.dataId);
    return backFilter.kernelFunc(args);
  };
  return [
    { ...forward, backendName, kernelFunc: conv2d },
    { ...backInput, backendName, kernelFunc: conv2dBackpropInput },
    { ...backFilter, backendName, kernelFunc: conv2dBackpropFilter },
  ];
}
