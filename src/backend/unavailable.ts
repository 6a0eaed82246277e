/**
 * The error a backend that cannot start throws, in the library's words: the CLIs add what to
 * type instead (`--backend wasm`).
 *
 * @module
 */
import type { BackendName } from "./backend.ts";

/**
 * A backend that cannot start here: its libraries, its GPU adapter or its package are missing,
 * or a permission it needs was not granted. `reason` says which; the caller picks another
 * backend (the CLIs say `--backend wasm`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { BackendUnavailableError } from "@lalc/large-batch/backend";
 * const e = new BackendUnavailableError("native", "libdnnl.so.2 not found");
 * assertEquals(e.message, 'backend "native" unavailable: libdnnl.so.2 not found');
 * ```
 */
export class BackendUnavailableError extends Error {
  /** The backend that cannot start. */
  readonly backend: BackendName;
  /** Why, in the library's words (no command-line advice). */
  readonly reason: string;
  /** `backend` cannot start because of `reason`. */
  constructor(backend: BackendName, reason: string) {
    super(`backend "${backend}" unavailable: ${reason}`);
    this.name = "BackendUnavailableError";
    this.backend = backend;
    this.reason = reason;
  }
}
