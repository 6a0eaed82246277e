/**
 * The GPU time of each program a function records on tf.js' `webgpu` backend, from WebGPU
 * timestamp queries: tf.js' own `tf.time` on that backend puts each program in a compute
 * pass of its own with a timestamp at its start and end, and reads the two back. So a
 * program's time is its kernel's execution alone, without the host's recording or the
 * launch between passes, and the sum over a step says how much of the step the GPU works.
 * (Timing changes the batching it measures: every program is its own pass and submit.)
 *
 * tf.js reports the times only as a `"name: ms, ..."` string, named by each program's class
 * (`"Object"` for the project's programs); so the names come from the dispatches themselves,
 * in order (`programName`, as `webgpu_counts.ts` counts them), and the times from that string.
 * Bench use; not public API.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { programName } from "./webgpu_counts.ts";

/** The programs `f` recorded, in order, and each one's GPU time in ms. */
export interface KernelTimes {
  /** Program names, in dispatch order. */
  readonly names: string[];
  /** Milliseconds per program, in the same order. */
  readonly ms: number[];
}

/** The parts of tf.js 4.22's `WebGPUBackend` this uses. */
interface TimedBackend {
  supportTimestampQuery?: boolean;
  recordAndSubmit?: (...args: unknown[]) => unknown;
}

/** The milliseconds in tf.js' `"name: ms, name: ms"` profile string, in order. */
export function profileMs(info: string): number[] {
  return [...info.matchAll(/: (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?=, |$)/g)].map((m) => +m[1]);
}

/**
 * Runs `f` (which records work on the active webgpu backend) under `tf.time` and returns
 * each dispatch's GPU time; null where the device has no `timestamp-query` feature. Throws
 * when tf.js reports a different number of times than there were dispatches.
 */
export async function webgpuKernelTimes(f: () => void): Promise<KernelTimes | null> {
  const backend = tf.backend() as unknown as TimedBackend;
  if (backend.supportTimestampQuery !== true || typeof backend.recordAndSubmit !== "function") {
    return null;
  }
  const names: string[] = [];
  const own = Object.hasOwn(backend, "recordAndSubmit");
  const original = backend.recordAndSubmit;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    names.push(programName(args[0]));
    return original.apply(this, args);
  };
  let info: tf.TimingInfo;
  try {
    info = await tf.time(f);
  } finally {
    if (own) backend.recordAndSubmit = original;
    else delete backend.recordAndSubmit;
  }
  const extra = (info as { getExtraProfileInfo?: () => string }).getExtraProfileInfo?.() ?? "";
  const ms = profileMs(extra);
  if (ms.length !== names.length) {
    throw new Error(`webgpuKernelTimes: ${names.length} dispatches but ${ms.length} times`);
  }
  return { names, ms };
}
