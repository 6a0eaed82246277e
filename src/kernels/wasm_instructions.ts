/**
 * The WebAssembly instructions the fused kernels' SIMD loops are written with, as byte
 * arrays to spread into a function body (core spec 2.0 and its fixed-width SIMD opcodes,
 * https://webassembly.github.io/spec/core/binary/instructions.html). Only what the loops use;
 * every memory access's alignment hint is the element's own (4 bytes for float32 data, 8 for
 * the float64 tables), which every tensor and `malloc` block meets.
 *
 * The float64 lanes follow IEEE 754 exactly, like JavaScript's numbers: no instruction here
 * fuses a multiply with an add, so a loop written op for op as a JavaScript body gives the
 * same bits.
 *
 * @module
 */
import { sleb128, uleb128 } from "./wasm_binary.ts";

const SIMD = 0xfd;
const simd = (opcode: number) => [SIMD, ...uleb128(opcode)];
/** A memory argument: log2 of the alignment, then the static offset. */
const memarg = (alignLog2: number, offset = 0) => [alignLog2, ...uleb128(offset)];

/** `local.get i`. */
export const get = (i: number): number[] => [0x20, ...uleb128(i)];
/** `local.set i`. */
export const set = (i: number): number[] => [0x21, ...uleb128(i)];
/** `local.tee i`. */
export const tee = (i: number): number[] => [0x22, ...uleb128(i)];
/** `i32.const n`. */
export const i32Const = (n: number): number[] => [0x41, ...sleb128(n)];
/** `local i += step` for an i32 local. */
export const addTo = (i: number, step: number): number[] => [
  ...get(i),
  ...i32Const(step),
  ...I32_ADD,
  ...set(i),
];

/** `loop` with no result (a `br_if 0` inside jumps back to its start). */
export const LOOP: readonly number[] = [0x03, 0x40];
/** `end` of a block, loop or if. */
export const END: readonly number[] = [0x0b];
/** `br_if 0`: to the innermost loop's start when the i32 on the stack is not 0. */
export const BR_IF_0: readonly number[] = [0x0d, 0];

/** `i32.add`. */
export const I32_ADD: readonly number[] = [0x6a];
/** `i32.lt_u`. */
export const I32_LT_U: readonly number[] = [0x49];

/** `f32.load` (4-byte aligned). */
export const F32_LOAD: readonly number[] = [0x2a, ...memarg(2)];
/** `f64.promote_f32`: exact. */
export const F64_PROMOTE_F32: readonly number[] = [0xbb];
/** `f64.add`. */
export const F64_ADD: readonly number[] = [0xa0];
/** `f64.mul`. */
export const F64_MUL: readonly number[] = [0xa2];

/** `v128.load` of two float64 (8-byte aligned). */
export const V128_LOAD: readonly number[] = [...simd(0x00), ...memarg(3)];
/** `v128.store` of two float64 (8-byte aligned). */
export const V128_STORE: readonly number[] = [...simd(0x0b), ...memarg(3)];
/** `v128.const` of sixteen zero bytes (two +0.0 float64). */
export const V128_ZERO: readonly number[] = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** `v128.bitselect`: lanes of the first operand where the third's bits are 1, else the second's. */
export const V128_BITSELECT: readonly number[] = simd(0x52);
/** `v128.load64_zero` of two float32 (4-byte aligned) into the low half. */
export const LOAD_2_F32: readonly number[] = [...simd(0x5d), ...memarg(2)];
/** `v128.store64_lane 0`: the low two float32 (4-byte aligned). */
export const STORE_2_F32: readonly number[] = [...simd(0x5b), ...memarg(2), 0];
/** `f64x2.promote_low_f32x4`: the low two float32 as float64, exact. */
export const F64X2_PROMOTE_LOW: readonly number[] = simd(0x5f);
/** `f32x4.demote_f64x2_zero`: both float64 rounded to float32 (ties to even), as `Math.fround`. */
export const F32X4_DEMOTE_ZERO: readonly number[] = simd(0x5e);
/** `f64x2.splat` of the float64 on the stack. */
export const F64X2_SPLAT: readonly number[] = simd(0x14);
/** `f64x2.extract_lane l`. */
export const f64x2ExtractLane = (lane: number): number[] => [...simd(0x21), lane];
/** `f64x2.replace_lane l`. */
export const f64x2ReplaceLane = (lane: number): number[] => [...simd(0x22), lane];
/** `f64x2.gt`: all ones in a lane where the first operand is greater (false for NaN). */
export const F64X2_GT: readonly number[] = simd(0x4a);
/** `f64x2.abs`: clears the sign bit, as `Math.abs`. */
export const F64X2_ABS: readonly number[] = simd(0xec);
/** `f64x2.add`. */
export const F64X2_ADD: readonly number[] = simd(0xf0);
/** `f64x2.sub`. */
export const F64X2_SUB: readonly number[] = simd(0xf1);
/** `f64x2.mul`. */
export const F64X2_MUL: readonly number[] = simd(0xf2);
