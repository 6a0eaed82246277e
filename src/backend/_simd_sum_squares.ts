/**
 * Sum of squares of a float32 array that lives in a WebAssembly memory, read ONCE with wasm
 * SIMD and written nowhere: the fused "square + sum" kernel the layer-wise norms need.
 *
 * Why a hand-assembled module: tf.js' wasm backend has no read-only sum of squares. Its
 * `Square` + `AvgPool` (XNNPACK) took 19 us per 64K floats and its `Sum` 57 us (a scalar
 * loop); this loop takes 4.7 us, a plain JS loop 29 us (measured on wasm, Deno 2.9, tf.js
 * 4.22, one core). The module imports the caller's memory, so it reads tf.js' heap in place.
 *
 * @module
 */
import { sumOfSquaresJs } from "../kernels/step_norms/host.ts";
import { name, section, sleb128, uleb128 } from "../kernels/wasm_binary.ts";

/** Floats per call into wasm: each of the 16 f32 lanes sums 256 squares, then JS adds in f64. */
const BLOCK = 4096;
/** Floats per loop iteration (four f32x4 accumulators). */
const STRIDE = 16;

// Opcodes used below (WebAssembly core spec 2.0, SIMD proposal).
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_CONST = 0x41, I32_ADD = 0x6a, I32_LT_U = 0x49, F32_ADD = 0x92;
const LOOP = 0x03, VOID = 0x40, BR_IF = 0x0d, END = 0x0b;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00], F32X4_ADD = [SIMD, 0xe4, 0x01], F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_EXTRACT_LANE = [SIMD, 0x1f];
// Locals: 0 = p (byte address, param), 1 = end (param), 2..5 = the f32x4 accumulators.
const P = 0, END_ADDR = 1;

/** `acc += v*v` for the 4 floats at `p + offset` (align hint 2: f32 data is 4-byte aligned). */
function accumulate(acc: number, offset: number): number[] {
  const load = [LOCAL_GET, P, ...V128_LOAD, 2, ...uleb128(offset)];
  return [LOCAL_GET, acc, ...load, ...load, ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, acc];
}

/**
 * The module: `sumsq(p, end) -> f32` sums the squares of the floats at byte addresses
 * `[p, end)`; needs `end - p` a positive multiple of 64 bytes. Imports `env.memory`.
 */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const body = [
    1,
    4,
    0x7b, // one local group: 4 x v128, zero-initialized
    LOOP,
    VOID,
    ...accumulate(2, 0),
    ...accumulate(3, 16),
    ...accumulate(4, 32),
    ...accumulate(5, 48),
    // p += 64; continue while p < end
    ...[LOCAL_GET, P, I32_CONST, ...sleb128(64), I32_ADD, LOCAL_TEE, P],
    ...[LOCAL_GET, END_ADDR, I32_LT_U, BR_IF, 0],
    END,
    // a = (a2 + a3) + (a4 + a5); return a[0] + a[1] + a[2] + a[3]
    ...[LOCAL_GET, 2, LOCAL_GET, 3, ...F32X4_ADD, LOCAL_GET, 4, LOCAL_GET, 5, ...F32X4_ADD],
    ...[...F32X4_ADD, LOCAL_TEE, 2, ...F32X4_EXTRACT_LANE, 0],
    ...[LOCAL_GET, 2, ...F32X4_EXTRACT_LANE, 1, F32_ADD],
    ...[LOCAL_GET, 2, ...F32X4_EXTRACT_LANE, 2, F32_ADD],
    ...[LOCAL_GET, 2, ...F32X4_EXTRACT_LANE, 3, F32_ADD],
    END,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7d]), // type 0: (i32, i32) -> f32
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]), // memory, min 1 page
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name("sumsq"), 0x00, 0]), // export function 0 as "sumsq"
    ...section(10, [1, ...uleb128(body.length), ...body]),
  ]);
}

// The plain-JS loop (the fallback and the tail) is the cpu kernel's body, defined once there.
export { sumOfSquaresJs };

/** The compiled module, or null where wasm SIMD is unavailable. */
let compiled: WebAssembly.Module | null | undefined;

function simdModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Whether this runtime runs the SIMD module (Deno does; else {@link sumOfSquaresIn} loops in JS). */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

/**
 * A sum-of-squares function for float32 views into `memory`: wasm SIMD (16 f32 partial sums
 * per block of 4096 floats, blocks added in float64), or {@link sumOfSquaresJs} where SIMD is
 * unavailable or the memory is shared (a shared import would need the memory's maximum). A
 * view into any other buffer also takes the JS loop.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { sumOfSquaresIn } from "./_simd_sum_squares.ts";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const x = new Float32Array(memory.buffer, 0, 100).fill(2);
 * assertEquals(sumOfSquaresIn(memory)(x), 400);
 * ```
 */
export function sumOfSquaresIn(memory: WebAssembly.Memory): (view: Float32Array) => number {
  const module = memory.buffer instanceof ArrayBuffer ? simdModule() : null;
  if (module === null) return (view) => sumOfSquaresJs(view);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const sumsq = instance.exports.sumsq as (p: number, end: number) => number;
  return (view) => {
    // memory.buffer changes identity when the memory grows; compare with the current one.
    if (view.buffer !== memory.buffer) return sumOfSquaresJs(view);
    const n = view.length, base = view.byteOffset;
    let total = 0, i = 0;
    while (n - i >= STRIDE) {
      const count = Math.min(BLOCK, (n - i) - ((n - i) % STRIDE));
      total += sumsq(base + 4 * i, base + 4 * (i + count));
      i += count;
    }
    return total + sumOfSquaresJs(view, i);
  };
}
