/**
 * What determines a run's numbers besides the code and the data: the backend, the libraries
 * and their versions, the instruction set and core type their kernels were picked for, and the
 * threads that split their sums. Two runs with the same identity and the same code give the
 * same bits; with another identity they may differ in the last digits, and training amplifies
 * that.
 *
 * @module
 */
import type { NativeKernelMode } from "./native_ffi.ts";

/** The kernels a backend ran, as recorded in a results folder's `meta.json`. */
export interface KernelIdentity {
  /** The tf.js backend. */
  readonly backend: string;
  /** Threads that split the kernels' work (native: OpenBLAS' and oneDNN's); null: unknown. */
  readonly threads: number | null;
  /** native: the kernel mode the libraries were opened in; null elsewhere. */
  readonly mode: NativeKernelMode | null;
  /** native: oneDNN's effective instruction set; null elsewhere or unknown. */
  readonly isa: string | null;
  /** native: OpenBLAS' core type; null elsewhere or unknown. */
  readonly blasCore: string | null;
  /** The libraries that ran the kernels, with versions (tf.js' backend package included). */
  readonly libraries: string;
  /** webgpu: the adapter; tensorflow: the package; null elsewhere. */
  readonly device: string | null;
  /**
   * Whether the training step ran the fused kernels (`setFusedKernels`); false for the unfused
   * reference path and for results recorded before the fused kernels existed.
   */
  readonly fused: boolean;
}

/** The fields that decide the numbers, with the words a drift report uses for each. */
const DECIDING: readonly [keyof KernelIdentity, string][] = [
  ["backend", "backend"],
  ["libraries", "library versions"],
  ["isa", "instruction set"],
  ["blasCore", "BLAS core type"],
  ["threads", "threads per run"],
  ["device", "device"],
  ["fused", "fused training kernels"],
];

/**
 * One line naming `k`'s kernels.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { describeKernels } from "./kernel_identity.ts";
 * const k = {
 *   backend: "native", threads: 1, mode: "reproducible" as const, isa: "avx2",
 *   blasCore: "Haswell", libraries: "OpenBLAS 0.3.21, oneDNN 2.6.3", device: null, fused: true,
 * };
 * assertEquals(
 *   describeKernels(k),
 *   "native (reproducible): OpenBLAS 0.3.21, oneDNN 2.6.3, instruction set avx2, BLAS core type Haswell, fused training kernels, 1 thread",
 * );
 * ```
 */
export function describeKernels(k: KernelIdentity): string {
  const parts = [k.libraries];
  if (k.isa !== null) parts.push(`instruction set ${k.isa}`);
  if (k.blasCore !== null) parts.push(`BLAS core type ${k.blasCore}`);
  if (k.device !== null) parts.push(`device ${k.device}`);
  parts.push(k.fused ? "fused training kernels" : "unfused (reference) training kernels");
  parts.push(
    k.threads === null ? "threads unknown" : `${k.threads} thread${k.threads > 1 ? "s" : ""}`,
  );
  return `${k.backend}${k.mode === null ? "" : ` (${k.mode})`}: ${parts.join(", ")}`;
}

/**
 * The fields in which `recorded` and `current` differ, each as `what recorded -> current`;
 * empty when the same kernels ran (then the same code must give the same bits). A field
 * `recorded` does not know (null, from a folder of an older version) counts as different.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { kernelDifferences } from "./kernel_identity.ts";
 * const a = {
 *   backend: "native", threads: 1, mode: "reproducible" as const, isa: "avx2",
 *   blasCore: "Haswell", libraries: "OpenBLAS 0.3.21, oneDNN 2.6.3", device: null, fused: true,
 * };
 * assertEquals(kernelDifferences(a, { ...a, mode: "fast" }), []); // the mode alone decides nothing
 * assertEquals(kernelDifferences(a, { ...a, isa: "avx512_core_bf16", threads: 2 }), [
 *   "instruction set avx2 -> avx512_core_bf16",
 *   "threads per run 1 -> 2",
 * ]);
 * assertEquals(kernelDifferences(a, { ...a, fused: false }), ["fused training kernels on -> off"]);
 * ```
 */
export function kernelDifferences(recorded: KernelIdentity, current: KernelIdentity): string[] {
  const out: string[] = [];
  for (const [field, words] of DECIDING) {
    const [a, b] = [recorded[field], current[field]];
    if (a === b && a !== undefined) continue;
    const show = (v: unknown) =>
      v === null || v === undefined
        ? "unknown"
        : typeof v === "boolean"
        ? (v ? "on" : "off")
        : String(v);
    if (recorded.backend !== "native" && (field === "isa" || field === "blasCore")) continue;
    out.push(`${words} ${show(a)} -> ${show(b)}`);
  }
  return out;
}

/**
 * Reads a recorded identity back (from `meta.json`), or undefined when `value` is not one.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseKernelIdentity } from "./kernel_identity.ts";
 * assertEquals(parseKernelIdentity({ backend: "wasm" }), undefined);
 * const k = parseKernelIdentity({
 *   backend: "wasm", threads: 1, mode: null, isa: null, blasCore: null,
 *   libraries: "tfjs-backend-wasm 4.22.0 (SIMD)", device: null,
 * });
 * assertEquals(k?.threads, 1);
 * assertEquals(k?.fused, false); // recorded before the fused kernels: the unfused path
 * ```
 */
export function parseKernelIdentity(value: unknown): KernelIdentity | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const stringOrNull = (x: unknown) => x === null || typeof x === "string";
  const ok = typeof v.backend === "string" && typeof v.libraries === "string" &&
    (v.threads === null || (Number.isInteger(v.threads) && (v.threads as number) >= 1)) &&
    (v.mode === null || v.mode === "reproducible" || v.mode === "fast") &&
    stringOrNull(v.isa) && stringOrNull(v.blasCore) && stringOrNull(v.device) &&
    (v.fused === undefined || typeof v.fused === "boolean");
  if (!ok) return undefined;
  return {
    backend: v.backend as string,
    threads: v.threads as number | null,
    mode: v.mode as NativeKernelMode | null,
    isa: v.isa as string | null,
    blasCore: v.blasCore as string | null,
    libraries: v.libraries as string,
    device: v.device as string | null,
    // Recorded before the fused kernels existed: the unfused path made them.
    fused: v.fused === true,
  };
}
