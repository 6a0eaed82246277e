/**
 * Backend selection. `wasm` is the default: fast and embedded, it runs anywhere.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";

/** The backends this project knows how to start. */
export const BACKENDS = ["wasm", "cpu", "webgpu", "tensorflow"] as const;

/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

/**
 * Makes `name` the active tf.js backend and waits until it is ready.
 *
 * @example
 * ```ts
 * import { useBackend } from "./backend.ts";
 * await useBackend("cpu");
 * ```
 */
export async function useBackend(name: BackendName): Promise<BackendName> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${name}"; allowed: ${BACKENDS.join(", ")}`);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend "${name}" failed to initialize`);
  await tf.ready();
  return name;
}
