/**
 * A 4-lane SIMD loop, `out[i] = (x[i] - m[k]) · a[k] + o[k]` with `k = i mod L`, that runs
 * inside tf.js' own wasm memory. JavaScript loops over the heap cost ~1.8 ns per float32
 * element on one core (the float32 <-> float64 conversions), a SIMD wasm loop ~0.3 ns, and
 * tf.js 4.22 ships no kernel for a per-channel affine map besides its slow `FusedBatchNorm`.
 *
 * The module is a few dozen bytes, assembled below from the WebAssembly binary format
 * (https://webassembly.github.io/spec/core/binary/) so that no build step or binary file is
 * needed; it imports the backend's `WebAssembly.Memory`, so it reads and writes tensors where
 * they lie. Exported function `affine(x, out, n, table, L)`: byte offsets `x`, `out`; `n`
 * elements, a multiple of 4; `table` = the byte offset of m, a, o (float32, `L` each, back to
 * back), `L` a multiple of 4.
 *
 * @module
 */
import { name, section, uleb128 } from "../kernels/wasm_binary.ts";

/** `affine(x, out, n, table, L)` as described in the module doc. */
export type ChannelAffine = (x: number, out: number, n: number, table: number, l: number) => void;

// Opcodes used (core and SIMD 0xfd-prefixed ones).
const I32 = 0x7f;
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const CONST = 0x41;
const ADD = 0x6a;
const SHL = 0x74;
const EQ = 0x46;
const LT_U = 0x49;
const GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const EMPTY = 0x40;
const END = 0x0b;
const BR_IF = 0x0d;
const LOAD = [0xfd, ...uleb128(0), 0, 0]; // v128.load, alignment hint 1 byte, offset 0
const STORE = [0xfd, ...uleb128(11), 0, 0]; // v128.store
const F32X4_ADD = [0xfd, ...uleb128(228)];
const F32X4_SUB = [0xfd, ...uleb128(229)];
const F32X4_MUL = [0xfd, ...uleb128(230)];

// Parameters 0..4: x, out, n, table, L; locals 5..7: end of x, byte offset k in the table,
// the table's row length in bytes.
const [X, OUT, N, TABLE, L, XEND, K, ROW] = [0, 1, 2, 3, 4, 5, 6, 7];
const tableAt = (rows: number) => [
  GET,
  TABLE,
  GET,
  K,
  ADD,
  ...(rows === 0 ? [] : [GET, ROW, ...(rows === 2 ? [CONST, 1, SHL] : []), ADD]),
  ...LOAD,
];
const BODY = [
  ...[1, 3, I32], // one group of three i32 locals
  ...[GET, L, CONST, 2, SHL, SET, ROW],
  ...[GET, X, GET, N, CONST, 2, SHL, ADD, SET, XEND],
  ...[BLOCK, EMPTY, GET, X, GET, XEND, GE_U, BR_IF, 0],
  ...[LOOP, EMPTY],
  ...[GET, OUT, GET, X, ...LOAD],
  ...[...tableAt(0), ...F32X4_SUB, ...tableAt(1), ...F32X4_MUL, ...tableAt(2), ...F32X4_ADD],
  ...STORE,
  ...[GET, X, CONST, 16, ADD, SET, X, GET, OUT, CONST, 16, ADD, SET, OUT],
  ...[GET, K, CONST, 16, ADD, TEE, K, GET, ROW, EQ, IF, EMPTY, CONST, 0, SET, K, END],
  ...[GET, X, GET, XEND, LT_U, BR_IF, 0, END, END, END],
];

/** The module's bytes. */
export const CHANNEL_AFFINE_WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type (i32 x5) -> ()
  ...section(2, [1, ...name("m"), ...name("memory"), 0x02, 0x00, 1]), // memory, min 1 page
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, ...name("affine"), 0x00, 0]), // exported
  ...section(10, [1, ...uleb128(BODY.length), ...BODY]),
]);

const instances = new WeakMap<WebAssembly.Memory, ChannelAffine>();
let compiled: WebAssembly.Module | undefined;

/**
 * The affine loop bound to `memory`, instantiated once per memory; null when this engine
 * cannot run it (no wasm SIMD): callers then fall back to JavaScript.
 */
export function channelAffineFor(memory: WebAssembly.Memory): ChannelAffine | null {
  const known = instances.get(memory);
  if (known !== undefined) return known;
  try {
    compiled ??= new WebAssembly.Module(CHANNEL_AFFINE_WASM);
    const instance = new WebAssembly.Instance(compiled, { m: { memory } });
    const affine = instance.exports.affine as ChannelAffine;
    instances.set(memory, affine);
    return affine;
  } catch {
    return null;
  }
}
