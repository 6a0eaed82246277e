import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { GradNormTracker, LossMonitor, median } from "./stability.ts";

Deno.test("median of odd and even lists", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
});

Deno.test("LossMonitor flags NaN, Inf and a loss above the factor as divergence", () => {
  const m = new LossMonitor(10);
  assertEquals(m.push(2.3), false);
  assertEquals(m.push(22), false); // 9.6x the first loss: still below 10x
  assertEquals(m.push(23.1), true);
  assertEquals(new LossMonitor(10).push(NaN), true);
  assertEquals(new LossMonitor(10).push(Infinity), true);
});

Deno.test("LossMonitor counts spikes only against a full-enough window", () => {
  const m = new LossMonitor(100);
  for (let i = 0; i < 9; i++) m.push(1);
  m.push(5); // window of 9 < 10: too early to judge
  assertEquals(m.spikes, 0);
  for (let i = 0; i < 10; i++) m.push(1);
  m.push(2.5); // > 2x the median 1
  m.push(1.9); // below 2x
  assertEquals(m.spikes, 1);
});

Deno.test("LossMonitor refuses a divergence factor <= 1", () => {
  assertThrows(() => new LossMonitor(1), /divergenceFactor must be > 1, got 1/);
});

/** A tracker fed `norms` in step order. */
function tracked(norms: number[]): GradNormTracker {
  const t = new GradNormTracker();
  for (const n of norms) t.push(n);
  return t;
}

Deno.test("GradNormTracker: step 1 counts in max only; growth is relative to step 1", () => {
  // Step 1 the largest, as at an exploding initialization: max is step 1's, the others not.
  const t = tracked([10, 4, 6, 5]);
  assertEquals([t.max, t.maxAfterFirst, t.growth], [10, 6, 0.6]);
  const rising = tracked([2, 3, 7]);
  assertEquals([rising.max, rising.maxAfterFirst, rising.growth], [7, 7, 3.5]);
});

Deno.test("GradNormTracker: a non-finite norm makes the maxima covering it Infinity", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const later = tracked([2, 3, bad, 1]);
    assertEquals([later.max, later.maxAfterFirst, later.growth], [Infinity, Infinity, Infinity]);
    // Non-finite at step 1 only: after the first update the norms were finite.
    const first = tracked([bad, 3, 1]);
    assertEquals([first.max, first.maxAfterFirst, first.growth], [Infinity, 3, Infinity]);
  }
});

Deno.test("GradNormTracker: fewer than 2 steps have no measure after the first", () => {
  const none = tracked([]);
  assertEquals([none.max, none.maxAfterFirst, none.growth], [0, NaN, NaN]);
  const one = tracked([5]);
  assertEquals([one.max, one.maxAfterFirst, one.growth], [5, NaN, NaN]);
});
