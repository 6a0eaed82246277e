/**
 * The tiled GEMM skeleton the three convolution programs share: `C[m][n] = sum_k A[m][k] *
 * B[k][n]` where each program supplies how A and B are gathered (from the convolution's
 * tensors, on the fly: implicit GEMM, no im2col buffer) and this file supplies the tiling.
 *
 * One workgroup of 256 threads computes a `tileM x tileN` block of C: the threads form a
 * `16 x 16` (or `64 x 4`, `32 x 8` when N is small) grid and each owns a 4 x 4 register block
 * (4 rows of m, 4 adjacent columns of n, held as four `vec4<f32>`). The K axis is walked in
 * chunks of {@link TILE_K}: each chunk's A (`tileM x 16`) and B (`16 x tileN`) go through
 * workgroup memory, both stored k-major as `vec4`s so that the inner loop is two `vec4`
 * reads and four `vec4` multiply-adds per k. The next chunk's global loads are issued into
 * registers before the current chunk is multiplied, so their latency hides behind the math.
 *
 * Why these sizes: 4 x 4 per thread gives 16 multiply-adds per 2 shared-memory `vec4` reads
 * (8 flops per shared float read), enough to keep a GPU's FMA units ahead of shared
 * memory without spilling registers from a WGSL compiler we do not control; 256 threads and
 * a 64 x 64 tile is the widest block whose tiles (8 KiB) leave room for several workgroups
 * per multiprocessor; a K chunk of 16 makes each thread's share of a chunk's loads exactly
 * one `vec4` of A and one of B at 64 x 64. When N is 16 or 32 (a ResNet's first stages) the
 * tile becomes 256 x 16 or 128 x 32 so fewer threads multiply padding (see {@link tileFor}).
 *
 * Loads are `vec4`s along one axis, chosen by the program (`aAlong`, `bAlong`): where the
 * tensor's innermost axis (channels) runs along that axis and is a multiple of 4, the
 * loader does one 16-byte load, otherwise four bounds-checked scalar loads.
 *
 * Dispatch: x over N tiles, y over M tiles, z over K splits (`kPerSplit` consecutive k each,
 * a multiple of {@link TILE_K}; split s writes its partial product at rows `s * M + m`, which
 * a second pass sums). The loop's trip count comes from uniforms only, so the workgroup
 * barriers sit in uniform control flow.
 *
 * @module
 */
import type { WgslProgram } from "../../kernels/webgpu.ts";

/** The K chunk each workgroup stages in shared memory per step. */
export const TILE_K = 16;

/** Threads per workgroup. */
const THREADS = 256;

/** Which axis an operand's `vec4` loads run along. */
export type Along = "m" | "k" | "n";

/** How a program gathers its operands, as WGSL. */
export interface GemmOperands {
  /** A's loads run along `m` or `k`. */
  readonly aAlong: "m" | "k";
  /** B's loads run along `k` or `n`. */
  readonly bAlong: "k" | "n";
  /**
   * WGSL defining `struct RowA`, `fn rowA(m : i32) -> RowA` (what a thread's fixed row needs,
   * computed once), `fn loadA(r : RowA, m : i32, k : i32) -> vec4<f32>` (A at 4 consecutive
   * elements along `aAlong` from (m, k), zero outside the matrix), and likewise `struct ColB`,
   * `fn colB(n : i32) -> ColB`, `fn loadB(c : ColB, k : i32, n : i32) -> vec4<f32>`.
   * `uniforms.dimM`, `dimN`, `dimK` are the matrix sizes.
   */
  readonly wgsl: string;
}

/** A tile shape: threads along n and m (product 256), each 4 x 4. */
export interface GemmTile {
  /** Threads along n (4 columns each). */
  readonly threadsN: number;
  /** Threads along m (4 rows each). */
  readonly threadsM: number;
}

/** The tiles a launch chooses from: 64 x 64, 128 x 32, 256 x 16. */
const TILES: readonly GemmTile[] = [
  { threadsN: 16, threadsM: 16 },
  { threadsN: 8, threadsM: 32 },
  { threadsN: 4, threadsM: 64 },
];

/** Workgroup memory a tile's two chunks take, bytes. */
export function tileBytes(tile: GemmTile): number {
  return TILE_K * 4 * (tile.threadsM + tile.threadsN) * 4;
}

/** WebGPU's guaranteed workgroup memory (`maxComputeWorkgroupStorageSize`), bytes. */
export const DEFAULT_WORKGROUP_STORAGE = 16384;

/**
 * The tile for an M x N product: among those whose chunks fit `storageBytes` of workgroup
 * memory, the one that pads C least (N = 16 or 32, a ResNet's first stages, would waste 3/4
 * or 1/2 of a 64 x 64 tile), and among equals the one that loads least per k
 * (`tileM + tileN`: 64 x 64).
 */
export function tileFor(
  m: number,
  n: number,
  storageBytes: number = DEFAULT_WORKGROUP_STORAGE,
): GemmTile {
  const padded = (t: GemmTile) =>
    Math.ceil(m / (4 * t.threadsM)) * 4 * t.threadsM * Math.ceil(n / (4 * t.threadsN)) * 4 *
    t.threadsN;
  const loads = (t: GemmTile) => t.threadsM + t.threadsN;
  const fitting = TILES.filter((t) => tileBytes(t) <= storageBytes);
  // 64 x 64 (8 KiB) fits every WebGPU device.
  return [...fitting].sort((a, b) => padded(a) - padded(b) || loads(a) - loads(b))[0] ?? TILES[0];
}

/** The uniform fields the skeleton reads, ahead of a program's own (all i32). */
export const GEMM_UNIFORMS = "dimM : i32, dimN : i32, dimK : i32, kPerSplit : i32,";

/** The sizes of one GEMM launch. */
export interface GemmSize {
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** The summed dimension. */
  readonly k: number;
  /** K splits (1: the program writes C itself). */
  readonly splits: number;
}

/** `kPerSplit` for `size`: K divided over the splits, rounded up to whole chunks. */
export function kPerSplit(size: GemmSize): number {
  const per = Math.ceil(size.k / size.splits);
  return Math.max(TILE_K, Math.ceil(per / TILE_K) * TILE_K);
}

/** The GEMM's uniform values, in {@link GEMM_UNIFORMS}' order. */
export function gemmUniforms(size: GemmSize): number[] {
  return [size.m, size.n, size.k, kPerSplit(size)];
}

/** What the program adds to tf.js' `WebGPUProgram` beyond {@link WgslProgram}. */
export interface TiledProgram extends WgslProgram {
  /** Components per element of each input's binding (4: `array<vec4<f32>>`). */
  variableComponents: number[];
  /** Components per element of the output's binding. */
  outputComponent: number;
}

/** Options of {@link tiledGemmProgram}. */
export interface TiledGemmOptions {
  /** Pipeline cache key of the program's loaders (the skeleton adds its own parts). */
  readonly key: string;
  /** The inputs' binding names, in order. */
  readonly variableNames: string[];
  /** Components per input binding (4 where the loaders read `vec4`s). */
  readonly variableComponents: number[];
  /** The program's uniform fields after {@link GEMM_UNIFORMS} (all i32). */
  readonly uniforms: string;
  /** How A and B are gathered. */
  readonly operands: GemmOperands;
  /** The GEMM's sizes and K splits. */
  readonly size: GemmSize;
  /** The tile ({@link tileFor}). */
  readonly tile: GemmTile;
  /**
   * Uniform fields compiled in as constants (`uniforms.name` becomes the number, and the
   * pipeline key names the values): the divisors of the per-load index arithmetic, which
   * the shader compiler then turns into multiplies and shifts instead of ~20-instruction
   * integer divisions. One pipeline per geometry; a network has a handful.
   */
  readonly baked?: Record<string, number>;
}

/**
 * The program computing `splits x M x N` (flat, rank 1): C, or with splits > 1 the
 * partial products one per split.
 */
export function tiledGemmProgram(options: TiledGemmOptions): TiledProgram {
  const { size, operands, tile } = options;
  const baked = options.baked ?? {};
  const bake = (code: string) =>
    code.replace(/uniforms\.(\w+)/g, (field, name) => name in baked ? `${baked[name]}` : field);
  const tileM = 4 * tile.threadsM;
  const tileN = 4 * tile.threadsN;
  // C rows are N floats long: with N % 4 == 0 each thread's 4 columns are one aligned vec4.
  const vecOut = size.n % 4 === 0;
  const dispatch: [number, number, number] = [
    Math.ceil(size.n / tileN),
    Math.ceil(size.m / tileM),
    size.splits,
  ];
  return {
    outputShape: [size.splits * size.m * size.n],
    shaderKey: `projectConvGemm_${options.key}_${tileM}x${tileN}_${operands.aAlong}` +
      `${operands.bAlong}_${vecOut}_${Object.values(baked).join("x")}`,
    // Three dispatch axes: tf.js then calls `main()` without a flat index and leaves the
    // dispatch as given (it reshapes only 1-D dispatches).
    dispatchLayout: { x: [0], y: [1], z: [2] },
    dispatch,
    variableNames: options.variableNames,
    variableComponents: options.variableComponents,
    outputComponent: vecOut ? 4 : 1,
    workgroupSize: [THREADS, 1, 1],
    uniforms: GEMM_UNIFORMS + options.uniforms,
    getUserCode: () => bake(gemmSource(operands, tile, vecOut)),
  };
}

/** The loads one thread makes per chunk of one operand: `count` vec4s over 256 threads. */
function loadPlan(count: number): number {
  return Math.ceil(count / THREADS);
}

function gemmSource(operands: GemmOperands, tile: GemmTile, vecOut: boolean): string {
  const { threadsN, threadsM } = tile;
  const tileM = 4 * threadsM;
  const tileN = 4 * threadsN;
  // vec4s per chunk: A is tileM x 16 floats, B is 16 x tileN.
  const countA = (tileM * TILE_K) / 4;
  const countB = (TILE_K * tileN) / 4;
  const perA = loadPlan(countA);
  const perB = loadPlan(countB);

  // Slot i of a thread's A loads: which (m, k) it covers and how it lands in tileA, which
  // holds A k-major: tileA[k * tileM/4 + m/4][m % 4].
  const aSlot = operands.aAlong === "k"
    ? {
      // 4 threads per row cover the chunk's 16 k as 4 vec4s.
      coords: (s: string) => `let am${s} = s${s} / 4; let ak${s} = (s${s} % 4) * 4;`,
      store: (s: string) =>
        [0, 1, 2, 3].map((j) =>
          `tileA[(ak${s} + ${j}) * ${tileM / 4} + am${s} / 4][am${s} % 4] = ra${s}[${j}];`
        ).join(" "),
    }
    : {
      coords: (s: string) =>
        `let ak${s} = s${s} / ${tileM / 4}; let am${s} = (s${s} % ${tileM / 4}) * 4;`,
      store: (s: string) => `tileA[ak${s} * ${tileM / 4} + am${s} / 4] = ra${s};`,
    };
  // B is stored k-major too: tileB[k * tileN/4 + n/4][n % 4].
  const bSlot = operands.bAlong === "n"
    ? {
      coords: (s: string) =>
        `let bk${s} = s${s} / ${tileN / 4}; let bn${s} = (s${s} % ${tileN / 4}) * 4;`,
      store: (s: string) => `tileB[bk${s} * ${tileN / 4} + bn${s} / 4] = rb${s};`,
    }
    : {
      coords: (s: string) => `let bn${s} = s${s} / 4; let bk${s} = (s${s} % 4) * 4;`,
      store: (s: string) =>
        [0, 1, 2, 3].map((j) =>
          `tileB[(bk${s} + ${j}) * ${tileN / 4} + bn${s} / 4][bn${s} % 4] = rb${s}[${j}];`
        ).join(" "),
    };
  const aSlots = Array.from({ length: perA }, (_, i) => String(i));
  const bSlots = Array.from({ length: perB }, (_, i) => String(i));
  // A B slot past the chunk (when B's chunk has fewer vec4s than threads) loads nothing.
  const guardB = (s: string, body: string) =>
    countB % THREADS === 0 ? body : `if (s${s} < ${countB}) { ${body} }`;

  const setup = [
    ...aSlots.map((s) =>
      `let s${s} = t + ${Number(s) * THREADS}; ${aSlot.coords(s)} ` +
      `let rowA${s} = rowA(m0 + am${s}); var ra${s} = vec4<f32>(0.0);`
    ),
    ...bSlots.map((s) =>
      `let s${s}b = t + ${Number(s) * THREADS};` +
      bSlot.coords(`${s}b`) +
      ` let colB${s} = colB(n0 + bn${s}b); var rb${s}b = vec4<f32>(0.0);`
    ),
  ].join("\n    ");
  const load = (kExpr: string) =>
    [
      ...aSlots.map((s) => `ra${s} = loadA(rowA${s}, m0 + am${s}, ${kExpr} + ak${s});`),
      ...bSlots.map((s) =>
        guardB(`${s}b`, `rb${s}b = loadB(colB${s}, ${kExpr} + bk${s}b, n0 + bn${s}b);`)
      ),
    ].join("\n      ");
  const store = [
    ...aSlots.map((s) => aSlot.store(s)),
    ...bSlots.map((s) => guardB(`${s}b`, bSlot.store(`${s}b`))),
  ].join("\n      ");
  const rows = [0, 1, 2, 3];
  const fma = rows.map((i) => `acc${i} = fma(vec4<f32>(a[${i}]), b, acc${i});`).join(" ");
  const write = rows.map((i) => {
    const m = `(ty * 4 + ${i} + m0)`;
    if (vecOut) {
      return `if (${m} < uniforms.dimM && col < uniforms.dimN) {
      result[((split * uniforms.dimM + ${m}) * uniforms.dimN + col) / 4] = acc${i};
    }`;
    }
    return `if (${m} < uniforms.dimM) {
      for (var j = 0; j < 4; j++) {
        if (col + j < uniforms.dimN) {
          result[(split * uniforms.dimM + ${m}) * uniforms.dimN + col + j] = acc${i}[j];
        }
      }
    }`;
  }).join("\n    ");

  return `
  ${operands.wgsl}

  var<workgroup> tileA : array<vec4<f32>, ${(TILE_K * tileM) / 4}>;
  var<workgroup> tileB : array<vec4<f32>, ${(TILE_K * tileN) / 4}>;

  fn main() {
    let t = i32(localIndex);
    let tx = t % ${threadsN};
    let ty = t / ${threadsN};
    let n0 = i32(workgroupId.x) * ${tileN};
    let m0 = i32(workgroupId.y) * ${tileM};
    let split = i32(workgroupId.z);
    let kBegin = split * uniforms.kPerSplit;
    ${setup}
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    // Uniform trip count (the barriers need it); chunks past K load zeros.
    let chunks = uniforms.kPerSplit / ${TILE_K};
    ${load("kBegin")}
    for (var c = 0; c < chunks; c++) {
      ${store}
      workgroupBarrier();
      if (c + 1 < chunks) {
        let kNext = kBegin + (c + 1) * ${TILE_K};
        ${load("kNext")}
      }
      for (var kk = 0; kk < ${TILE_K}; kk++) {
        let a = tileA[kk * ${tileM / 4} + ty];
        let b = tileB[kk * ${tileN / 4} + tx];
        ${fma}
      }
      workgroupBarrier();
    }
    let col = n0 + tx * 4;
    ${write}
  }
  `;
}
