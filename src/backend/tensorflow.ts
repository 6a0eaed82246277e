/**
 * The optional `tensorflow` backend (libtensorflow through tfjs-node), loaded only when asked.
 *
 * @module
 */
import { BackendUnavailableError } from "./unavailable.ts";

/** Packages that register the `tensorflow` backend, most wanted first. */
export const TFJS_NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** What the `tensorflow` backend needs, for the error message when it is absent. */
export const TENSORFLOW_HELP = [
  "the tensorflow backend needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU).",
  "Install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (its install script downloads",
  "libtensorflow 2.9.1), then either add",
  '  "@tensorflow/tfjs-node-gpu": "npm:@tensorflow/tfjs-node-gpu@4.22.0"',
  'to "imports" in deno.json or keep "nodeModulesDir": "auto" so Deno resolves it from',
  "node_modules. The GPU build needs CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9.1).",
].join("\n");

/**
 * Imports the first tfjs-node package that loads (it registers the `tensorflow` backend), or
 * throws a `BackendUnavailableError` that says how to install one. `importer` is for tests.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
 * import { loadTensorflowBackend } from "./tensorflow.ts";
 * await loadTensorflowBackend().catch((e) => console.log(e.message)); // the real import()
 * // `importer` stands in for import(): the GPU build fails to load, the CPU one loads
 * const noGpu = (s: string) =>
 *   s.endsWith("-gpu") ? Promise.reject(new Error("no CUDA")) : Promise.resolve();
 * assertEquals(await loadTensorflowBackend(noGpu), "@tensorflow/tfjs-node");
 * await rejects(loadTensorflowBackend(() => Promise.reject(new Error("absent"))), /npm install/);
 * ```
 */
export async function loadTensorflowBackend(
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<string> {
  const failures: string[] = [];
  for (const name of TFJS_NODE_PACKAGES) {
    try {
      await importer(name);
      return name;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  throw new BackendUnavailableError("tensorflow", `${TENSORFLOW_HELP}\n${failures.join("\n")}`);
}
