/**
 * The few pieces of the WebAssembly binary format
 * (https://webassembly.github.io/spec/core/binary/) that this project's hand-assembled SIMD
 * loops need: integer encodings, sections, names, and {@link memoryModule}, a module of
 * exported functions over one imported memory. The loops themselves live beside the code that
 * uses them (the fused kernels' `simd.ts`, src/backend's `_channel_affine_simd.ts` and
 * `_simd_sum_squares.ts`); it lives in src/kernels because src/kernels imports no other src/
 * folder while src/backend may import src/kernels.
 *
 * @module
 */

/**
 * Unsigned LEB128, the binary format's encoding of sizes, indices and offsets.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { uleb128 } from "./wasm_binary.ts";
 * assertEquals(uleb128(624485), [0xe5, 0x8e, 0x26]);
 * ```
 */
export function uleb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128, what `i32.const` takes (64 must be `[0xc0, 0x00]`: a lone `0x40` reads as -64).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { sleb128 } from "./wasm_binary.ts";
 * assertEquals(sleb128(64), [0xc0, 0x00]);
 * assertEquals(sleb128(-1), [0x7f]);
 * ```
 */
export function sleb128(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * A module section: its id, then its body prefixed by the body's length.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { section } from "./wasm_binary.ts";
 * assertEquals(section(7, [0]), [7, 1, 0]); // an empty export section
 * ```
 */
export function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb128(body.length), ...body];
}

/**
 * A name (import, export): its UTF-8 length, then its bytes.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { name } from "./wasm_binary.ts";
 * assertEquals(name("m"), [1, 0x6d]);
 * ```
 */
export function name(s: string): number[] {
  const bytes = new TextEncoder().encode(s);
  return [...uleb128(bytes.length), ...bytes];
}

/** A value type of the binary format. */
export const ValType: Readonly<{ i32: number; f32: number; f64: number; v128: number }> = Object
  .freeze({ i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b });

/** One exported function of a {@link memoryModule}. */
export interface WasmFunction {
  /** Its export name. */
  readonly name: string;
  /** Parameter types ({@link ValType}); they are locals 0.. in order. */
  readonly params: readonly number[];
  /** Result types (two or more need multi-value, which every current engine has). */
  readonly results: readonly number[];
  /** Further locals' types, numbered after the params; zero-initialized. */
  readonly locals: readonly number[];
  /** The instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** The locals declaration of a code entry: runs of one type as `(count, type)` pairs. */
function localGroups(types: readonly number[]): number[] {
  const groups: number[][] = [];
  for (const type of types) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === type) last[0]++;
    else groups.push([1, type]);
  }
  return [...uleb128(groups.length), ...groups.flatMap(([n, t]) => [...uleb128(n), t])];
}

/**
 * A module that imports one memory as `m.memory` (at least one page) and exports
 * `functions` by name, function `k` with type `k`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { memoryModule, ValType } from "./wasm_binary.ts";
 * // load(p) -> i32: the 4 bytes at p (local.get 0; i32.load align 2 offset 0)
 * const bytes = memoryModule([
 *   { name: "load", params: [ValType.i32], results: [ValType.i32], locals: [], body: [0x20, 0, 0x28, 2, 0] },
 * ]);
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * new Int32Array(memory.buffer)[1] = 42;
 * const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory } });
 * assertEquals((exports.load as (p: number) => number)(4), 42);
 * ```
 */
export function memoryModule(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const vector = (items: number[][]) => [...uleb128(items.length), ...items.flat()];
  const types = functions.map((f) => [
    0x60,
    ...uleb128(f.params.length),
    ...f.params,
    ...uleb128(f.results.length),
    ...f.results,
  ]);
  const codes = functions.map((f) => {
    const code = [...localGroups(f.locals), ...f.body, 0x0b];
    return [...uleb128(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector(types)),
    ...section(2, [1, ...name("m"), ...name("memory"), 0x02, 0x00, 1]), // memory, min 1 page
    ...section(3, vector(functions.map((_, k) => uleb128(k)))),
    ...section(7, vector(functions.map((f, k) => [...name(f.name), 0x00, ...uleb128(k)]))),
    ...section(10, vector(codes)),
  ]);
}
