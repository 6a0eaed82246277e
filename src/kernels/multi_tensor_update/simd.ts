/**
 * The element-wise loops of `MultiTensorUpdate`'s host kernel (./host.ts) for the momentum
 * methods (momentum SGD, LALC, LARS) as wasm SIMD, for `wasm` and `native`, whose tensors lie
 * in tf.js-wasm's heap: a JavaScript loop over float32 data costs ~1-2 ns per element (each
 * read and store converts between float32 and float64), a SIMD loop a fraction of that. The
 * module imports the heap's memory, so it reads and writes the tensors where they lie (see
 * ../wasm_heap.ts). LAMB keeps its JavaScript loops.
 *
 * Bit for bit the JavaScript loops, with float64 lanes and each JavaScript operation as one
 * IEEE operation in the same order and with the same operands (no reassociation, no fused
 * multiply-add; float32 stores round as a `Float32Array` store does). Not followed: which
 * NaN an operation on two NaN returns, which JavaScript leaves open (../_test_bits.ts); NaN
 * comes out in the same places.
 *
 * - `update` / `updateNesterov` (`traceUpdate`): two ELEMENTS per `f64x2`, read with
 *   `v128.load64_zero` + `f64x2.promote_low_f32x4` and stored with `f32x4.demote_f64x2_zero`
 *   + `v128.store64_lane`. Elements are independent, so lanes side by side change nothing.
 *   An odd length leaves one element, which the caller runs through its JavaScript loop.
 * - `norms` (`traceNorms`): the two running sums `[sum w^2, sum u^2]` are the two lanes of
 *   one `f64x2`, and each element adds `[w*w, u*u]` to them, so each sum adds its terms in
 *   the JavaScript order (its own lane); `u = g + lambda*w` is scalar float64. The chain of
 *   adds bounds this loop, as it bounds the JavaScript one.
 *
 * Layout: every tensor is a flat float32 array on the heap; the functions take byte
 * offsets and a byte count, and loop while it lasts (at least one pair or element).
 *
 * @module
 */
import { memoryModule, ValType, type WasmFunction } from "../wasm_binary.ts";
import { heapOffset, perMemory, type WasmHeap } from "../wasm_heap.ts";
import {
  addTo,
  BR_IF_0,
  END,
  F32_LOAD,
  F32X4_DEMOTE_ZERO,
  F64_ADD,
  F64_MUL,
  F64_PROMOTE_F32,
  F64X2_ADD,
  F64X2_MUL,
  F64X2_PROMOTE_LOW,
  F64X2_SPLAT,
  f64x2ExtractLane,
  f64x2ReplaceLane,
  get,
  I32_ADD,
  I32_LT_U,
  LOAD_2_F32,
  LOOP,
  set,
  STORE_2_F32,
  tee,
} from "../wasm_instructions.ts";

const { i32, f64, v128 } = ValType;

/** The address `base + i` (locals). */
const at = (base: number, i: number) => [...get(base), ...get(i), ...I32_ADD];
/** Two float32 at `base + i`, as two float64. */
const read2 = (base: number, i: number) => [...at(base, i), ...LOAD_2_F32, ...F64X2_PROMOTE_LOW];
/** `local = splat(f64 param)`. */
const splat = (param: number, local: number) => [...get(param), ...F64X2_SPLAT, ...set(local)];
/** `do { body; i += step } while (i < bytes)`. */
const loopOver = (i: number, bytes: number, step: number, body: readonly number[]) => [
  ...LOOP,
  ...body,
  ...addTo(i, step),
  ...[...get(i), ...get(bytes), ...I32_LT_U, ...BR_IF_0, ...END],
];

/**
 * `update(w, g, m, wOut, mOut, bytes, lambda, f, mu, post)`:
 * `next = f * (g + lambda * w) + mu * m; mOut = next; wOut = w + post * next`; or
 * `updateNesterov(...)`: `a = f * (g + lambda * w); next = a + mu * m; mOut = next;
 * wOut = w + post * (a + mu * next)`.
 */
function updateFunction(nesterov: boolean): WasmFunction {
  const [W, G, M, WOUT, MOUT, BYTES, LAMBDA, F, MU, POST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [I, LAMV, FV, MUV, POSTV, WV, A, NEXT] = [10, 11, 12, 13, 14, 15, 16, 17];
  // f * (g + lambda * w), w read into WV
  const direction = [
    ...get(FV),
    ...read2(G, I),
    ...[...get(LAMV), ...read2(W, I), ...tee(WV), ...F64X2_MUL, ...F64X2_ADD, ...F64X2_MUL],
  ];
  const muM = [...get(MUV), ...read2(M, I), ...F64X2_MUL];
  const store = (base: number, value: number[]) => [
    ...at(base, I),
    ...value,
    ...F32X4_DEMOTE_ZERO,
    ...STORE_2_F32,
  ];
  const body = nesterov
    ? [
      ...[...direction, ...set(A), ...get(A), ...muM, ...F64X2_ADD, ...set(NEXT)],
      ...store(MOUT, get(NEXT)),
      ...store(WOUT, [
        ...[...get(WV), ...get(POSTV), ...get(A), ...get(MUV), ...get(NEXT), ...F64X2_MUL],
        ...[...F64X2_ADD, ...F64X2_MUL, ...F64X2_ADD],
      ]),
    ]
    : [
      ...[...direction, ...muM, ...F64X2_ADD, ...set(NEXT)],
      ...store(MOUT, get(NEXT)),
      ...store(WOUT, [...get(WV), ...get(POSTV), ...get(NEXT), ...F64X2_MUL, ...F64X2_ADD]),
    ];
  return {
    name: nesterov ? "updateNesterov" : "update",
    params: [i32, i32, i32, i32, i32, i32, f64, f64, f64, f64],
    results: [],
    locals: [i32, v128, v128, v128, v128, v128, v128, v128],
    body: [
      ...[...splat(LAMBDA, LAMV), ...splat(F, FV), ...splat(MU, MUV), ...splat(POST, POSTV)],
      ...loopOver(I, BYTES, 8, body),
    ],
  };
}

/**
 * `norms(w, g, bytes, lambda) -> (sw, su)`: per element `u = g + lambda * w`,
 * `[sw, su] = [sw, su] + [w, u] * [w, u]`.
 */
function normsFunction(): WasmFunction {
  const [W, G, BYTES, LAMBDA, I, ACC, WJ, V] = [0, 1, 2, 3, 4, 5, 6, 7];
  const body = [
    ...[...at(W, I), ...F32_LOAD, ...F64_PROMOTE_F32, ...tee(WJ), ...F64X2_SPLAT],
    ...[...at(G, I), ...F32_LOAD, ...F64_PROMOTE_F32, ...get(LAMBDA), ...get(WJ), ...F64_MUL],
    ...[...F64_ADD, ...f64x2ReplaceLane(1), ...set(V)],
    ...[...get(ACC), ...get(V), ...get(V), ...F64X2_MUL, ...F64X2_ADD, ...set(ACC)],
  ];
  return {
    name: "norms",
    params: [i32, i32, i32, f64],
    results: [f64, f64],
    locals: [i32, v128, f64, v128],
    body: [
      ...loopOver(I, BYTES, 4, body),
      ...[...get(ACC), ...f64x2ExtractLane(0), ...get(ACC), ...f64x2ExtractLane(1)],
    ],
  };
}

/** The module's bytes: exports `update`, `updateNesterov`, `norms`. */
export const TRACE_SIMD_WASM: Uint8Array<ArrayBuffer> = memoryModule([
  updateFunction(false),
  updateFunction(true),
  normsFunction(),
]);

const exportsOn = perMemory(TRACE_SIMD_WASM);

/** The trace update's constants (see `traceUpdate` in ./host.ts). */
export interface TraceConstants {
  /** Weight decay folded into the direction. */
  readonly lambda: number;
  /** The direction's factor. */
  readonly f: number;
  /** Momentum. */
  readonly mu: number;
  /** Factor of the step added to `w`. */
  readonly post: number;
  /** Nesterov's variant. */
  readonly nesterov: boolean;
}

/** The loops on views of one heap; each does what its JavaScript namesake in ./host.ts does. */
export interface TraceSimd {
  /**
   * `traceUpdate` on the first `2 * floor(length / 2)` elements; returns that count (the
   * caller runs the rest, at most one element, in JavaScript).
   */
  update(
    inputs: { w: Float32Array; g: Float32Array; m: Float32Array },
    outputs: { wOut: Float32Array; mOut: Float32Array },
    c: TraceConstants,
  ): number;
  /** `traceNorms`: `[sqrt(sum w^2), sqrt(sum u^2)]`, `u = g + lambda*w`. */
  norms(w: Float32Array, g: Float32Array, lambda: number): [number, number];
}

type I = number;
interface Exports {
  update(w: I, g: I, m: I, wOut: I, mOut: I, bytes: I, l: I, f: I, mu: I, post: I): void;
  updateNesterov(w: I, g: I, m: I, wOut: I, mOut: I, bytes: I, l: I, f: I, mu: I, post: I): void;
  norms(w: I, g: I, bytes: I, lambda: I): [number, number];
}

/** The SIMD loops on `heap`, or null where there is none (`cpu`) or no wasm SIMD. */
export function traceSimd(heap: WasmHeap | undefined): TraceSimd | null {
  if (heap === undefined) return null;
  const wasm = exportsOn(heap.memory) as unknown as Exports | null;
  if (wasm === null) return null;
  const off = (view: ArrayBufferView) => heapOffset(heap.memory, view);
  return {
    update({ w, g, m }, { wOut, mOut }, { lambda, f, mu, post, nesterov }) {
      const pairs = Math.floor(w.length / 2);
      if (pairs === 0) return 0;
      const run = nesterov ? wasm.updateNesterov : wasm.update;
      run(off(w), off(g), off(m), off(wOut), off(mOut), 8 * pairs, lambda, f, mu, post);
      return 2 * pairs;
    },
    norms(w, g, lambda) {
      if (w.length === 0) return [0, 0];
      const [sw, su] = wasm.norms(off(w), off(g), 4 * w.length, lambda);
      return [Math.sqrt(sw), Math.sqrt(su)];
    },
  };
}
