/**
 * Counts what tf.js' `webgpu` backend records between two points: dispatches, compute passes
 * begun, queue submits, uploads of tensors whose values were on the CPU, reads, and why each
 * compute pass ended. On a real GPU a dispatch costs far less inside an open pass than with
 * a pass or a submit of its own (issue: the suite on a real GPU; H200 through Deno 2.9.6:
 * 10 us, 43 us, 67 us), so these counts price a training step where timing cannot be taken
 * (lavapipe, a software adapter).
 *
 * It wraps methods of the backend instance (tf.js 4.22's `WebGPUBackend`): `runWebGPUProgram`
 * (timed only), `recordAndSubmit` (one dispatch each), `endComputePassEncoder`, `submitQueue`, `uploadToGPU`,
 * `getBufferData`, `copyBuffer`, `readToGPU`; {@link WebgpuCounter.restore} puts the
 * originals back. Bench and test use only, not public API.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/** What the backend recorded between `countWebgpuWork` and `counts()`. */
export interface WebgpuCounts {
  /** Compute dispatches (programs run). */
  dispatches: number;
  /** Compute passes begun. */
  passes: number;
  /** `queue.submit` calls made by the backend. */
  submits: number;
  /** Tensors whose values were on the CPU, copied to a GPU buffer at their first use. */
  uploads: number;
  /** Buffers read back to the CPU (`getBufferData`). */
  reads: number;
  /** Why each open compute pass ended: the count per reason. */
  passEnds: Record<string, number>;
  /** Why each submit happened: the count per reason. */
  submitReasons: Record<string, number>;
  /** The uploads per `dtype[shape]`. */
  uploaded: Record<string, number>;
  /** The dispatches per program (its class name, else the start of its shader key). */
  programs: Record<string, number>;
  /**
   * Milliseconds of JavaScript spent in each wrapped method, calls nested in it included
   * (`runWebGPUProgram` holds `uploadToGPU` and `recordAndSubmit`, which holds the batch's
   * `submitQueue`); an async method's time ends at its first await. On a real GPU this says
   * how much of a step is the backend recording work rather than the GPU doing it.
   */
  ms: Record<string, number>;
}

/** A running count; `restore()` unwraps the backend (call it in a `finally`). */
export interface WebgpuCounter {
  /** The counts so far (a copy). */
  counts(): WebgpuCounts;
  /** Zeroes the counts (after warm-up work, say). */
  reset(): void;
  /** Puts the backend's own methods back. */
  restore(): void;
}

/** The parts of tf.js' `WebGPUBackend` the counter wraps or reads. */
interface WebgpuInternals {
  computePassEncoder: unknown;
  tensorMap: {
    get(
      id: tf.DataId,
    ): { values: unknown; resource: unknown; dtype: string; shape: number[] } | undefined;
  };
  [method: string]: unknown;
}

/** The backend methods {@link countWebgpuWork} wraps (and restores). */
export const WRAPPED = [
  "runWebGPUProgram",
  "recordAndSubmit",
  "endComputePassEncoder",
  "submitQueue",
  "uploadToGPU",
  "getBufferData",
  "copyBuffer",
  "readToGPU",
] as const;

/** The reason label of a submit made by `recordAndSubmit`: the dispatch batch filled up. */
export const BATCH_FULL = "dispatch batch full (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE)";

function zero(): WebgpuCounts {
  return {
    dispatches: 0,
    passes: 0,
    submits: 0,
    uploads: 0,
    reads: 0,
    passEnds: {},
    submitReasons: {},
    uploaded: {},
    programs: {},
    ms: {},
  };
}

function bump(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

/** A program's name: its class's, else the start of its shader key. */
export function programName(program: unknown): string {
  const p = program as { constructor?: { name?: string }; shaderKey?: string };
  const name = p.constructor?.name;
  return name && name !== "Object" ? name : String(p.shaderKey ?? "?").slice(0, 40);
}

/**
 * Starts counting on `backend` (tf.js' `webgpu` backend: `tf.backend()` after
 * `useBackend("webgpu")`). Throws when the backend lacks a method it wraps (another tf.js
 * version), so a count never silently reads zero.
 */
export function countWebgpuWork(backend: tf.KernelBackend): WebgpuCounter {
  const b = backend as unknown as WebgpuInternals;
  for (const name of WRAPPED) {
    if (typeof b[name] !== "function") {
      throw new Error(`countWebgpuWork: the backend has no ${name}() (not tf.js 4.22's webgpu)`);
    }
  }
  const own = new Map<string, boolean>(WRAPPED.map((n) => [n, Object.hasOwn(b, n)]));
  const originals = new Map<string, (...args: unknown[]) => unknown>(
    WRAPPED.map((n) => [n, b[n] as (...args: unknown[]) => unknown]),
  );
  let c = zero();
  // What the backend is doing now, innermost last: names why a pass ends or a submit runs.
  const doing: string[] = [];
  const wrap = (name: string, label: (args: unknown[]) => string | null) => {
    const original = originals.get(name)!;
    b[name] = function (this: unknown, ...args: unknown[]) {
      const what = label(args);
      if (what !== null) doing.push(what);
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        c.ms[name] = (c.ms[name] ?? 0) + performance.now() - start;
        if (what !== null) doing.pop();
      }
    };
  };
  const now = () => doing.at(-1) ?? "other";
  wrap("recordAndSubmit", (args) => {
    c.dispatches++;
    bump(c.programs, programName(args[0]));
    if (b.computePassEncoder == null) c.passes++;
    return BATCH_FULL;
  });
  wrap("endComputePassEncoder", () => {
    if (b.computePassEncoder != null) bump(c.passEnds, now());
    return null;
  });
  wrap("submitQueue", () => {
    c.submits++;
    bump(c.submitReasons, now());
    return null;
  });
  wrap("uploadToGPU", (args) => {
    const data = b.tensorMap.get(args[0] as tf.DataId);
    if (data === undefined || data.resource != null || data.values == null) return null;
    const key = `upload ${data.dtype}[${data.shape.join(",")}]`;
    c.uploads++;
    bump(c.uploaded, key);
    return key;
  });
  wrap("getBufferData", () => {
    c.reads++;
    return "read";
  });
  wrap("runWebGPUProgram", () => null);
  wrap("copyBuffer", () => "copyBuffer");
  wrap("readToGPU", () => "readToGPU");
  return {
    counts: () => structuredClone(c),
    reset: () => void (c = zero()),
    restore: () => {
      for (const name of WRAPPED) {
        if (own.get(name)) b[name] = originals.get(name);
        else delete b[name];
      }
    },
  };
}
