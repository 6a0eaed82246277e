/**
 * The input and output options the training modes of `explode` (`train`, `mechanism`)
 * share, spelled and defaulted once.
 *
 * @module
 */

/**
 * `--data-dir`, `--backend` (default wasm), `--out`, `--replot` and `--json`, as
 * `parseCommand` options (src/cli/args.ts).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseCommand } from "../cli/args.ts";
 * import { TRACE_IO_OPTIONS } from "./trace_options.ts";
 * const parsed = parseCommand({ name: "demo", help: "", options: TRACE_IO_OPTIONS }, ["--json"]);
 * assertEquals(parsed?.values.backend, "wasm");
 * ```
 */
export const TRACE_IO_OPTIONS = {
  "data-dir": { type: "string" },
  backend: { type: "string", default: "wasm" },
  out: { type: "string" },
  replot: { type: "string" },
  json: { type: "boolean" },
} as const;
