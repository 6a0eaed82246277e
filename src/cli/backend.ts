/**
 * The command line's words for the default backend: the library returns why the native
 * kernels are off (`nativeUnavailableReason`) and prints nothing; the commands print a note.
 * (guard.ts's `startBackend` adds the `--backend` to use to a backend that cannot start.)
 *
 * @module
 */
import { type BackendName, defaultBackend, nativeUnavailableReason } from "../backend/backend.ts";

/**
 * The default backend, as the commands pick it: `native` where it loads, else `wasm` after one
 * line on stderr saying why.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { defaultBackendWithNote } from "./backend.ts";
 * assertEquals(["native", "wasm"].includes(await defaultBackendWithNote()), true);
 * ```
 */
export async function defaultBackendWithNote(): Promise<BackendName> {
  const reason = nativeUnavailableReason();
  if (reason !== null) console.error(`note: native kernels off (${reason}); running on plain wasm`);
  return await defaultBackend();
}

/**
 * The commands' answer to a WebGPU error tf.js did not catch: the library's line, plus the
 * backends to use instead, then exit 1.
 *
 * @example
 * ```ts ignore
 * await useBackend("webgpu", { onDeviceError: stopWithBackendAdvice });
 * ```
 */
export function stopWithBackendAdvice(message: string): void {
  console.error(
    `webgpu: the device reported "${message}"; results would be wrong, stopping ` +
      "(use --backend native, wasm or cpu)",
  );
  Deno.exit(1);
}
