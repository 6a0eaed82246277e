/**
 * Test helpers for the SIMD loops' bit-identity tests: seeded float32 data with the values
 * that tell two arithmetic orders apart (signed zeros, huge and subnormal magnitudes,
 * NaN and infinities), and a comparison of float32 arrays by their bits.
 *
 * @module
 */

/**
 * What a data set holds besides uniform random values: `extremes` and `nonfinite` replace
 * every 7th value by one of their set; `wide` draws every value's magnitude log-uniformly
 * from 2^-40 ... 2^40 with a random sign, so that sums cancel and a reordered float64
 * operation shows in the float32 result far more often than with values of one scale.
 */
export type Specials = "none" | "wide" | "extremes" | "nonfinite";

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTREMES = [0, -0, 1e30, -1e30, 3e38, -3e38, 1e-40, -1e-40, 65504, -1e-30];
const NONFINITE = [NaN, Infinity, -Infinity, 0, -0];

/**
 * `size` float32 values `mean + std * u`, u uniform in [-1, 1), seeded; with `specials`,
 * every 7th value (from a seeded start) is taken from that set instead.
 */
export function testFloats(
  size: number,
  seed: number,
  o: { mean?: number; std?: number; specials?: Specials } = {},
): Float32Array {
  const uniform = seededUniform(seed);
  const { mean = 0, std = 1, specials = "none" } = o;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = specials === "wide"
      ? (uniform() < 0.5 ? -1 : 1) * 2 ** (80 * uniform() - 40)
      : mean + std * (2 * uniform() - 1);
  }
  const set = specials === "extremes" ? EXTREMES : specials === "nonfinite" ? NONFINITE : [];
  if (set.length > 0) {
    for (let i = Math.floor(uniform() * 7); i < size; i += 7) {
      out[i] = set[Math.floor(uniform() * set.length)];
    }
  }
  return out;
}

/**
 * The first index where `a` and `b` differ in bits, as a message; null when identical.
 * With `anyNaN`, two NaN count as equal whatever their bits: JavaScript does not fix which
 * operand's NaN an operation on two NaN returns (V8 returns the right one's in its
 * interpreter and the left one's, for a multiply, in optimized code), so the JavaScript
 * loops' NaN signs change with the JIT tier and no other loop can follow them.
 */
export function firstBitDifference(
  a: Float32Array,
  b: Float32Array,
  anyNaN = false,
): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const [ua, ub] = [
    new Uint32Array(a.buffer, a.byteOffset, a.length),
    new Uint32Array(
      b.buffer,
      b.byteOffset,
      b.length,
    ),
  ];
  let count = 0, first = -1;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i] && !(anyNaN && Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (count === 0) return null;
  const hex = (u: number) => u.toString(16).padStart(8, "0");
  return `${count} of ${a.length} differ, first at ${first}: ${a[first]} (0x${hex(ua[first])})` +
    ` vs ${b[first]} (0x${hex(ub[first])})`;
}
