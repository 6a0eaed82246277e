/**
 * The output tiles of the project's WebGPU matrix product and how one is picked for a shape.
 *
 * A workgroup computes a `rows x cols` block of one batch entry's output; each of its
 * `threadsX x threadsY` threads keeps a `perThreadRows x perThreadCols` block of sums in
 * registers, and K is staged through workgroup memory `depth` values at a time. The larger
 * the register block, the more multiply-adds per value read from workgroup memory
 * (8x8: 64 FMAs per 16 values read, 4x4: 16 per 8), which is what bounds a tiled matmul on
 * a GPU once global loads are coalesced; the larger the tile, the fewer workgroups a shape
 * fills, so small shapes take the smaller tiles.
 *
 * @module
 */

/** One tiling of the output. */
export interface MatmulTile {
  /** Name as in the shader key and the benchmark (`rows x cols`). */
  readonly name: TileName;
  /** Threads along the output's columns (N) and rows (M). */
  readonly threadsX: number;
  readonly threadsY: number;
  /** Output rows and columns per thread: multiples of 4 (vec4 columns, rows in fours). */
  readonly perThreadRows: number;
  readonly perThreadCols: number;
  /** K values staged through workgroup memory per step. */
  readonly depth: number;
}

/** The tiles' names. */
export type TileName = "128x128" | "128x128-k8" | "64x64" | "32x32";

function tile(
  name: TileName,
  threads: number,
  perThread: number,
  depth: number,
): MatmulTile {
  return {
    name,
    threadsX: threads,
    threadsY: threads,
    perThreadRows: perThread,
    perThreadCols: perThread,
    depth,
  };
}

/**
 * The three tilings. 128x128: 256 threads of 8x8, K by 16, so A's and B's staged tiles fill
 * exactly WebGPU's default 16 KiB of workgroup memory (2 x 16 x 128 x 4 bytes), the classic
 * SGEMM shape for large products. 128x128-k8: the same with K by 8 (8 KiB: more workgroups
 * fit an SM, twice the barriers; only used when forced, for the benchmark to compare).
 * 64x64: 256 threads of 4x4 (8 KiB). 32x32: 64 threads of 4x4 (4 KiB), for outputs too
 * small to fill a GPU with larger tiles.
 */
export const TILES: Readonly<Record<TileName, MatmulTile>> = {
  "128x128": tile("128x128", 16, 8, 16),
  "128x128-k8": tile("128x128-k8", 16, 8, 8),
  "64x64": tile("64x64", 16, 4, 16),
  "32x32": tile("32x32", 8, 4, 16),
};

/** Output rows and columns of a workgroup. */
export function tileRows(t: MatmulTile): number {
  return t.threadsY * t.perThreadRows;
}

/** Output columns of a workgroup. */
export function tileCols(t: MatmulTile): number {
  return t.threadsX * t.perThreadCols;
}

/** Workgroups a `[batch, m, n]` output takes with tile `t`. */
export function workgroupsFor(t: MatmulTile, batch: number, m: number, n: number): number {
  return batch * Math.ceil(m / tileRows(t)) * Math.ceil(n / tileCols(t));
}

/**
 * Enough workgroups to keep a large GPU busy (an H100/H200 has 132 SMs; two resident
 * workgroups each, rounded up): the largest tile that still gives this many is taken.
 * A guess until the benchmark measures it (bench/gpu_workloads.ts --matmul).
 */
export const BUSY_WORKGROUPS = 256;

/** The tile for a `[batch, m, n]` output: the largest that keeps {@link BUSY_WORKGROUPS}. */
export function pickTile(batch: number, m: number, n: number): MatmulTile {
  for (const t of [TILES["128x128"], TILES["64x64"]]) {
    if (workgroupsFor(t, batch, m, n) >= BUSY_WORKGROUPS) return t;
  }
  return TILES["32x32"];
}
