/**
 * The few pieces of the WebAssembly binary format
 * (https://webassembly.github.io/spec/core/binary/) that this project's hand-assembled SIMD
 * loops need: integer encodings, sections and names. The loops themselves live beside the
 * code that uses them (`_channel_affine_simd.ts`, `_simd_sum_squares.ts`).
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
