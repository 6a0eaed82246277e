/**
 * Child-process half of the chunked webgpu update's test (webgpu runs in a child: see
 * `src/backend/_test_webgpu_probe.ts`): for every method, one `MultiTensorUpdate` of 12
 * tensors (an empty one among them) by chunks and by chunks of one, compared bit for bit,
 * with the dispatches of each and the tensors left behind; and the WGSL of the chunks an
 * adapter like the H200's gets (64 tensors: more bindings than this device allows, so no
 * pipeline here) checked by the shader compiler. Prints one JSON line (`{"adapter": null}`
 * without an adapter).
 *
 * Run: `deno run --allow-read --allow-env src/kernels/multi_tensor_update/_test_webgpu_chunks.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../../backend/backend.ts";
import { webgpuAdapterInfo } from "../../backend/webgpu.ts";
import { countWebgpuWork } from "../../backend/webgpu_counts.ts";
import type { UpdateAttrs, UpdateMethod } from "./attrs.ts";
import { multiTensorUpdate, NEUTRAL_HYPER } from "./op.ts";
import { chunking, factorSnippet } from "./webgpu.ts";
import {
  chunkCapacity,
  type ChunkTensor,
  MAX_CHUNK_TENSORS,
  normsProgram,
  updateProgram,
} from "./webgpu_chunks.ts";
import { multiOutputSource } from "../webgpu_multi_output.ts";

/** The tensors updated: sizes that end inside a segment, a scalar-like one, an empty one. */
export const CHUNK_TEST_SHAPES: readonly number[][] = [
  [3, 5],
  [7],
  [1],
  [0],
  [64, 33],
  [100],
  [2, 2, 2, 3],
  [1000],
  [5],
  [17, 9],
  [300],
  [4],
];

/** One method's comparison. */
export interface ChunkComparison {
  /** Output elements (all tensors) whose bits differ between the two paths. */
  readonly differing: number;
  /** Elements compared. */
  readonly elements: number;
  /** Dispatches of the update by chunks, and by chunks of one. */
  readonly dispatches: { chunked: number; oneByOne: number };
  /** Tensors per chunk on this device. */
  readonly capacity: number;
  /** `tf.memory().numTensors` after both updates (outputs disposed) minus before. */
  readonly leaked: number;
}

/** What the probe prints. */
export interface WebgpuChunksReport {
  /** The adapter, or null without one. */
  readonly adapter: string | null;
  /** Per method. */
  readonly methods?: Record<UpdateMethod, ChunkComparison>;
  /** Momentum on {@link Y_DIMENSION_SHAPES}: a chunk dispatched over x and y. */
  readonly yDimension?: ChunkComparison;
  /**
   * Per method: the storage bindings of the norms and update programs of a chunk of
   * {@link MAX_CHUNK_TENSORS} tensors (as an H200's limits give), and the shader compiler's
   * messages on their WGSL (none when it is valid).
   */
  readonly fullChunks?: Record<UpdateMethod, { bindings: number[]; messages: string[] }>;
}

/**
 * The WGSL of a full chunk of `method` (mixed sizes and masks) through this device's shader
 * compiler: its storage bindings and the compiler's messages.
 */
async function compileFullChunk(
  device: GPUDevice,
  method: UpdateMethod,
): Promise<{ bindings: number[]; messages: string[] }> {
  const tensors: ChunkTensor[] = Array.from({ length: MAX_CHUNK_TENSORS }, (_, k) => ({
    size: 1 + ((k * 977) % 5000),
    trusted: method !== "momentum" && k % 4 !== 1,
    decayed: k % 3 !== 0,
  }));
  const attrs: UpdateAttrs = {
    ...NEUTRAL_HYPER,
    method,
    learningRate: 0.1,
    momentum: 0.9,
    step: 3,
    decayMask: tensors.map((t) => t.decayed),
    trustMask: tensors.map((t) => t.trusted),
  };
  const trusted = tensors.flatMap((t, k) => t.trusted ? [k] : []);
  const programs = [
    ...trusted.length > 0 ? [normsProgram(attrs, tensors, trusted)] : [],
    updateProgram(attrs, tensors, factorSnippet(attrs)),
  ];
  const messages: string[] = [];
  for (const program of programs) {
    // In an error scope: an invalid module's error comes back here, not as an uncaptured one.
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ code: multiOutputSource(program) });
    const info = await module.getCompilationInfo();
    const error = await device.popErrorScope();
    const at = program.key.slice(0, 40);
    messages.push(...info.messages.map((m) => `${at}: ${m.message}`));
    if (error !== null) messages.push(`${at}: ${error.message}`);
  }
  return {
    bindings: programs.map((p) => p.outputs.length + p.inputs.length),
    messages,
  };
}

/**
 * Tensors whose chunk needs more than WebGPU's 65,535 workgroups in x (64 threads each:
 * 4,194,240 elements), so its dispatch spreads over y, as a wide MLP's update does; each
 * alone stays under.
 */
export const Y_DIMENSION_SHAPES: readonly number[][] = [[3_000_000], [1_300_000]];

async function compare(
  method: UpdateMethod,
  shapes: readonly number[][] = CHUNK_TEST_SHAPES,
): Promise<ChunkComparison> {
  const params = shapes.map((s, i) => tf.randomNormal(s, 0, 1, "float32", i + 1));
  const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 0.1, "float32", i + 100));
  const kinds = method === "lamb" ? 2 : 1;
  const slots = Array.from(
    { length: kinds },
    (_, k) => shapes.map((s, i) => tf.abs(tf.randomNormal(s, 0, 0.1, "float32", i + 200 + 50 * k))),
  ).flat();
  const attrs = {
    ...NEUTRAL_HYPER,
    method,
    momentum: 0.9,
    learningRate: 0.1,
    step: 3,
    weightDecay: 0.01,
    // Mixed masks, so a chunk holds tensors with and without decay and layer-wise rates.
    decayMask: shapes.map((_, i) => i % 3 !== 0),
    trustMask: shapes.map((_, i) => i % 4 !== 1),
  };
  const before = tf.memory().numTensors;
  const run = async (maxTensors: number) => {
    chunking.maxTensors = maxTensors;
    const counter = countWebgpuWork(tf.backend());
    try {
      const out = multiTensorUpdate(params, grads, slots, attrs);
      const values = await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
      return { values, dispatches: counter.counts().dispatches };
    } finally {
      counter.restore();
      chunking.maxTensors = Infinity;
    }
  };
  // Chunks first: their outputs then get buffers no earlier run of these shapes filled (new
  // ones, zeroed, or another method's), so an element the chunk failed to write differs.
  const chunked = await run(Infinity);
  const one = await run(1);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([...params, ...grads, ...slots]);
  let differing = 0;
  let elements = 0;
  one.values.forEach((values, t) =>
    values.forEach((v, i) => {
      elements++;
      if (!Object.is(v, chunked.values[t][i])) differing++;
    })
  );
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  return {
    differing,
    elements,
    dispatches: { chunked: chunked.dispatches, oneByOne: one.dispatches },
    capacity: chunkCapacity(device.limits, method),
    leaked,
  };
}

/** Runs the comparisons on webgpu (nothing without an adapter). */
export async function runWebgpuChunksProbe(): Promise<WebgpuChunksReport> {
  const adapter = await webgpuAdapterInfo().catch(() => null);
  if (adapter === null) return { adapter };
  await useBackend("webgpu");
  const methods = {} as Record<UpdateMethod, ChunkComparison>;
  for (const method of ["momentum", "lalc", "lars", "lamb"] as const) {
    methods[method] = await compare(method);
  }
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const fullChunks = {} as Record<UpdateMethod, { bindings: number[]; messages: string[] }>;
  for (const method of ["momentum", "lalc", "lars", "lamb"] as const) {
    fullChunks[method] = await compileFullChunk(device, method);
  }
  return {
    adapter,
    methods,
    yDimension: await compare("momentum", Y_DIMENSION_SHAPES),
    fullChunks,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await runWebgpuChunksProbe()));
  Deno.exit(0); // at once: the lavapipe teardown is what crashes
}
