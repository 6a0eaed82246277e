import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { LossMonitor, median } from "./stability.ts";

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
