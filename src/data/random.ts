/**
 * A small seeded pseudo-random generator (mulberry32) with uniform, normal and integer draws.
 *
 * Everything seeded in this project (data shuffles, synthetic data, weight initialization)
 * draws from here, so a run is reproducible on every backend: the numbers are made on the
 * CPU in plain JavaScript and never depend on a backend's own random kernels.
 *
 * @module
 */

/** A seeded stream of pseudo-random numbers. */
export interface Rng {
  /** Uniform float in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1) (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Hashes any number of integers or strings into one 32-bit seed (FNV-1a over the parts,
 * finished with a murmur3-style mix), so that related streams (one per layer, one per epoch)
 * get unrelated seeds.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { hashSeed } from "./random.ts";
 * const layerSeed = hashSeed(42, "block01/dense");
 * assertEquals(hashSeed(42, "block01/dense"), layerSeed); // same inputs, same seed
 * assertEquals(hashSeed(42, "block02/dense") === layerSeed, false);
 * ```
 */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === "number" ? `n${part}` : `s${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff; // part separator, so ("ab") and ("a", "b") differ
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Creates a mulberry32 generator (Tommy Ettinger's 32-bit generator; period 2^32, ample for
 * shuffles and initializations of this size) seeded with `seed` (any finite number; it is
 * hashed, so nearby seeds give unrelated streams).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { createRng } from "./random.ts";
 * const rng = createRng(7);
 * const u = rng.uniform(); // in [0, 1)
 * const z = rng.normal(); // N(0, 1)
 * assertEquals(u >= 0 && u < 1 && Number.isFinite(z), true);
 * const again = createRng(7);
 * assertEquals([again.uniform(), again.normal()], [u, z]); // the same seed, the same stream
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) {
    throw new Error(`seed must be a finite number, got ${seed}`);
  }
  let state = hashSeed(seed);
  let spare = NaN; // Box-Muller makes two normals at a time; keep the second
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal(): number {
      if (!Number.isNaN(spare)) {
        const z = spare;
        spare = NaN;
        return z;
      }
      const u1 = 1 - uniform(); // (0, 1]: log never sees 0
      const u2 = uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) {
        throw new Error(`n must be a positive integer, got ${n}`);
      }
      return Math.floor(uniform() * n);
    },
  };
}

/**
 * Fills a new Float32Array of `length` with N(0, std^2) draws from `rng`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { createRng, normalArray } from "./random.ts";
 * const w = normalArray(createRng(1), 16, 0.5);
 * assertEquals([w.length, w.every(Number.isFinite)], [16, true]);
 * ```
 */
export function normalArray(rng: Rng, length: number, std = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = std * rng.normal();
  return out;
}
