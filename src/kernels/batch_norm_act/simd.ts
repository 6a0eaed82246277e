/**
 * The four full-size loops of BatchNormActivation's host kernels (./host.ts) as wasm SIMD,
 * for `wasm` and `native`, whose tensors lie in tf.js-wasm's heap: a JavaScript loop over
 * float32 data costs ~1-2 ns per element (each read and store converts between float32 and
 * float64), a SIMD loop ~0.3 ns. The module imports the heap's memory, so it reads and
 * writes the tensors where they lie (see ../wasm_heap.ts).
 *
 * Bit for bit the JavaScript loops: the lanes are float64 (`f64x2`), two CHANNELS side by
 * side (two float32 read with `v128.load64_zero` + `f64x2.promote_low_f32x4`, stored with
 * `f32x4.demote_f64x2_zero` + `v128.store64_lane`, rounding as a `Float32Array` store does).
 * Each lane runs its channel's JavaScript op sequence in the same order and with the same
 * operand order, one IEEE operation per JavaScript one (no reassociation, no fused
 * multiply-add), so every per-channel sum adds the rows in the same order and every element
 * rounds as there. `Math.abs` is `f64x2.abs`; the ReLU mask `+(y > 0) | pass` is a 1.0 or
 * `pass` chosen by `f64x2.gt` + `v128.bitselect`, then MULTIPLIED into `dy` as the
 * JavaScript does, so a masked-out negative `dy` gives -0 and an infinite one NaN there too.
 * The one thing not followed is which NaN an operation on two NaN returns (the sign of a
 * NaN output): JavaScript does not fix it, and V8's interpreter and optimized code differ
 * (../_test_bits.ts); both bodies give NaN in the same places.
 *
 * Layout: `x` and the other full-size tensors are `[n, c]` row-major float32 (any leading
 * axes folded into `n`); the per-channel tables (shift, sums, scale, offset, ...) are float64
 * arrays of length `c` on the heap (../host.ts `float64Tables`), computed in JavaScript
 * between the passes (c values: cheap). The loops walk rows outside and channel pairs inside,
 * so memory is read in order; a table entry is at byte `16 * pair` of its table. `c` must be
 * even (two channels a lane pair) and `n` at least 1: {@link batchNormSimd} returns null for
 * an odd `c`, and the kernel keeps its JavaScript loops there.
 *
 * @module
 */
import { memoryModule, ValType, type WasmFunction } from "../wasm_binary.ts";
import { heapOffset, perMemory, type WasmHeap } from "../wasm_heap.ts";
import {
  addTo,
  BR_IF_0,
  END,
  F32X4_DEMOTE_ZERO,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_GT,
  F64X2_MUL,
  F64X2_PROMOTE_LOW,
  F64X2_SPLAT,
  F64X2_SUB,
  get,
  I32_ADD,
  I32_LT_U,
  i32Const,
  LOAD_2_F32,
  LOOP,
  set,
  STORE_2_F32,
  tee,
  V128_BITSELECT,
  V128_LOAD,
  V128_STORE,
  V128_ZERO,
} from "../wasm_instructions.ts";

const { i32, f64, v128 } = ValType;

/** Two float32 at the address in local `p`, as two float64. */
const read2 = (p: number) => [...get(p), ...LOAD_2_F32, ...F64X2_PROMOTE_LOW];
/** The address of a table's pair `k` (local `k` in bytes): `table + k`. */
const at = (table: number, k: number) => [...get(table), ...get(k), ...I32_ADD];
/** The two float64 of table `table` at pair `k`. */
const entry = (table: number, k: number) => [...at(table, k), ...V128_LOAD];
/** `table[k] = table[k] + (value)`, `value` the instructions that push it. */
const accumulate = (table: number, k: number, value: number[]) => [
  ...at(table, k),
  ...entry(table, k),
  ...value,
  ...F64X2_ADD,
  ...V128_STORE,
];

/**
 * The two nested loops every function here runs: rows while `p < end` outside, channel
 * pairs while `k < rowBytes` inside; `body` handles one pair, then the element pointers
 * `advance` by 8 bytes (two float32) and `k` by 16 (two float64).
 */
function rowsOfPairs(
  loc: { p: number; end: number; k: number; rowBytes: number },
  advance: readonly number[],
  body: readonly number[],
): number[] {
  return [
    ...LOOP,
    ...i32Const(0),
    ...set(loc.k),
    ...LOOP,
    ...body,
    ...advance.flatMap((p) => addTo(p, 8)),
    ...[...get(loc.k), ...i32Const(16), ...I32_ADD, ...tee(loc.k), ...get(loc.rowBytes)],
    ...[...I32_LT_U, ...BR_IF_0, ...END],
    ...[...get(loc.p), ...get(loc.end), ...I32_LT_U, ...BR_IF_0, ...END],
  ];
}

/** `local = splat(f64 param)`. */
const splat = (param: number, local: number) => [...get(param), ...F64X2_SPLAT, ...set(local)];

/**
 * `sums(x, end, rowBytes, shift, sum, sumSq)`, forward pass 1:
 * `d = x - shift; sum += d; sumSq += d * d`.
 */
function sumsFunction(): WasmFunction {
  const [X, XEND, ROW, SHIFT, SUM, SQ, K, D] = [0, 1, 2, 3, 4, 5, 6, 7];
  const body = [
    ...[...read2(X), ...entry(SHIFT, K), ...F64X2_SUB, ...set(D)],
    ...accumulate(SUM, K, get(D)),
    ...accumulate(SQ, K, [...get(D), ...get(D), ...F64X2_MUL]),
  ];
  return {
    name: "sums",
    params: [i32, i32, i32, i32, i32, i32],
    results: [],
    locals: [i32, v128],
    body: rowsOfPairs({ p: X, end: XEND, k: K, rowBytes: ROW }, [X], body),
  };
}

/**
 * `output(x, r, y, end, rowBytes, scale, offset, rw, linear, absolute)`, forward pass 2:
 * `z = x * scale + offset + rw * r; y = linear * z + absolute * |z|`.
 */
function outputFunction(): WasmFunction {
  const [X, R, Y, XEND, ROW, SCALE, OFFSET, RW, LINEAR, ABSOLUTE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [K, Z, RWV, LINV, ABSV] = [10, 11, 12, 13, 14];
  const body = [
    ...[...read2(X), ...entry(SCALE, K), ...F64X2_MUL, ...entry(OFFSET, K), ...F64X2_ADD],
    ...[...get(RWV), ...read2(R), ...F64X2_MUL, ...F64X2_ADD, ...set(Z)],
    ...[...get(Y), ...get(LINV), ...get(Z), ...F64X2_MUL],
    ...[...get(ABSV), ...get(Z), ...F64X2_ABS, ...F64X2_MUL, ...F64X2_ADD],
    ...[...F32X4_DEMOTE_ZERO, ...STORE_2_F32],
  ];
  return {
    name: "output",
    params: [i32, i32, i32, i32, i32, i32, i32, f64, f64, f64],
    results: [],
    locals: [i32, v128, v128, v128, v128],
    body: [
      ...[...splat(RW, RWV), ...splat(LINEAR, LINV), ...splat(ABSOLUTE, ABSV)],
      ...rowsOfPairs({ p: X, end: XEND, k: K, rowBytes: ROW }, [X, R, Y], body),
    ],
  };
}

/** `dy * (y > 0 ? 1 : pass)` from locals `dy`, `y` (pointers) and the splats `one`, `pass`. */
const maskedDy = (dy: number, y: number, one: number, pass: number) => [
  ...read2(dy),
  ...[...get(one), ...get(pass), ...read2(y), ...V128_ZERO, ...F64X2_GT, ...V128_BITSELECT],
  ...F64X2_MUL,
];

/** `local = splat(1.0)`: the f64 constant 1, little-endian. */
const splatOne = (local: number) => [
  0x44,
  ...new Uint8Array(new Float64Array([1]).buffer),
  ...F64X2_SPLAT,
  ...set(local),
];

/**
 * `gradSums(dy, y, x, dz, end, rowBytes, dbeta, dzx, pass)` (or `gradSumsDz`, which also
 * stores dz), backward pass 1: `dz = dy * mask; dbeta += dz; dzx += dz * x`.
 */
function gradSumsFunction(storeDz: boolean): WasmFunction {
  const [DY, Y, X, DZ, DYEND, ROW, DBETA, DZX, PASS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [K, D, ONE, PASSV] = [9, 10, 11, 12];
  const body = [
    ...maskedDy(DY, Y, ONE, PASSV),
    ...set(D),
    ...(storeDz ? [...get(DZ), ...get(D), ...F32X4_DEMOTE_ZERO, ...STORE_2_F32] : []),
    ...accumulate(DBETA, K, get(D)),
    ...accumulate(DZX, K, [...get(D), ...read2(X), ...F64X2_MUL]),
  ];
  return {
    name: storeDz ? "gradSumsDz" : "gradSums",
    params: [i32, i32, i32, i32, i32, i32, i32, i32, f64],
    results: [],
    locals: [i32, v128, v128, v128],
    body: [
      ...[...splatOne(ONE), ...splat(PASS, PASSV)],
      ...rowsOfPairs(
        { p: DY, end: DYEND, k: K, rowBytes: ROW },
        storeDz ? [DY, Y, X, DZ] : [DY, Y, X],
        body,
      ),
    ],
  };
}

/**
 * `gradInput(dy, y, x, dx, end, rowBytes, a, bx, e, pass)`, backward pass 2:
 * `dx = a * (dy * mask) + bx * x + e`.
 */
function gradInputFunction(): WasmFunction {
  const [DY, Y, X, DX, DYEND, ROW, A, BX, E, PASS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [K, ONE, PASSV] = [10, 11, 12];
  const body = [
    ...get(DX),
    ...[...entry(A, K), ...maskedDy(DY, Y, ONE, PASSV), ...F64X2_MUL],
    ...[...entry(BX, K), ...read2(X), ...F64X2_MUL, ...F64X2_ADD],
    ...[...entry(E, K), ...F64X2_ADD, ...F32X4_DEMOTE_ZERO, ...STORE_2_F32],
  ];
  return {
    name: "gradInput",
    params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, f64],
    results: [],
    locals: [i32, v128, v128],
    body: [
      ...[...splatOne(ONE), ...splat(PASS, PASSV)],
      ...rowsOfPairs({ p: DY, end: DYEND, k: K, rowBytes: ROW }, [DY, Y, X, DX], body),
    ],
  };
}

/** The module's bytes: exports `sums`, `output`, `gradSums`, `gradSumsDz`, `gradInput`. */
export const BATCH_NORM_SIMD_WASM: Uint8Array<ArrayBuffer> = memoryModule([
  sumsFunction(),
  outputFunction(),
  gradSumsFunction(false),
  gradSumsFunction(true),
  gradInputFunction(),
]);

const exportsOn = perMemory(BATCH_NORM_SIMD_WASM);

/** A float32 tensor's data on the heap. */
export type Floats = Float32Array;
/** A per-channel float64 table on the heap. */
export type Table = Float64Array;

/**
 * The four loops over `n` rows of `c` channels, on views of one heap (float32 tensors,
 * float64 tables of length `c`); each does what the JavaScript loop of the same pass in
 * ./host.ts does, with the same bits.
 */
export interface BatchNormSimd {
  /** Forward pass 1: `sum += x - shift`, `sumSq += (x - shift)^2` per channel. */
  sums(x: Floats, n: number, shift: Table, sum: Table, sumSq: Table): void;
  /** Forward pass 2: `y = linear * z + absolute * |z|`, `z = x * scale + offset + rw * r`. */
  output(
    x: Floats,
    r: Floats,
    y: Floats,
    n: number,
    tables: { scale: Table; offset: Table },
    weights: { rw: number; linear: number; absolute: number },
  ): void;
  /** Backward pass 1: `dz = dy * (+(y > 0) | pass)`, stored when `dz` is given; `dbeta += dz`, `dzx += dz * x`. */
  gradSums(
    io: { dy: Floats; y: Floats; x: Floats; dz?: Floats },
    n: number,
    dbeta: Table,
    dzx: Table,
    pass: number,
  ): void;
  /** Backward pass 2: `dx = a * dz + bx * x + e`, `dz` as in {@link BatchNormSimd.gradSums}. */
  gradInput(
    io: { dy: Floats; y: Floats; x: Floats; dx: Floats },
    n: number,
    tables: { a: Table; bx: Table; e: Table },
    pass: number,
  ): void;
}

type I = number;
interface Exports {
  sums(x: I, end: I, row: I, shift: I, sum: I, sq: I): void;
  output(x: I, r: I, y: I, end: I, row: I, scale: I, offset: I, rw: I, lin: I, abs: I): void;
  gradSums(dy: I, y: I, x: I, dz: I, end: I, row: I, dbeta: I, dzx: I, pass: I): void;
  gradSumsDz(dy: I, y: I, x: I, dz: I, end: I, row: I, dbeta: I, dzx: I, pass: I): void;
  gradInput(dy: I, y: I, x: I, dx: I, end: I, row: I, a: I, bx: I, e: I, pass: I): void;
}

/**
 * The SIMD loops for `c` channels on `heap`, or null where they do not apply: no heap
 * (`cpu`), an odd `c` (or 0), or an engine without wasm SIMD. Views passed in must lie on
 * `heap.memory`'s current buffer.
 */
export function batchNormSimd(heap: WasmHeap | undefined, c: number): BatchNormSimd | null {
  if (heap === undefined || c === 0 || c % 2 !== 0) return null;
  const wasm = exportsOn(heap.memory) as unknown as Exports | null;
  if (wasm === null) return null;
  const off = (view: ArrayBufferView) => heapOffset(heap.memory, view);
  const row = 8 * c;
  const end = (x: Floats, n: number) => off(x) + 4 * n * c;
  return {
    sums(x, n, shift, sum, sumSq) {
      if (n > 0) wasm.sums(off(x), end(x, n), row, off(shift), off(sum), off(sumSq));
    },
    output(x, r, y, n, { scale, offset }, { rw, linear, absolute }) {
      if (n === 0) return;
      wasm.output(
        ...[off(x), off(r), off(y), end(x, n), row, off(scale), off(offset)] as const,
        ...[rw, linear, absolute] as const,
      );
    },
    gradSums({ dy, y, x, dz }, n, dbeta, dzx, pass) {
      if (n === 0) return;
      const run = dz === undefined ? wasm.gradSums : wasm.gradSumsDz;
      run(
        off(dy),
        off(y),
        off(x),
        dz === undefined ? 0 : off(dz),
        end(dy, n),
        row,
        off(dbeta),
        off(dzx),
        pass,
      );
    },
    gradInput({ dy, y, x, dx }, n, { a, bx, e }, pass) {
      if (n === 0) return;
      wasm.gradInput(
        off(dy),
        off(y),
        off(x),
        off(dx),
        end(dy, n),
        row,
        off(a),
        off(bx),
        off(e),
        pass,
      );
    },
  };
}
