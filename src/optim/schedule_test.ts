import assert from "node:assert/strict";
import {
  constant,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  learningRateFromConfig,
  learningRateToConfig,
  linearScaling,
  linearSchedule,
  linearWarmup,
  piecewiseConstant,
  scheduleFromConfig,
  warmupCosine,
} from "./schedule.ts";
import { assertClose } from "./_test_problem.ts";

// Expected values written out from optax's formulas (optax/schedules/_schedule.py).
Deno.test("linearSchedule matches optax.linear_schedule", () => {
  const s = linearSchedule({ init: 1, end: 0.01, steps: 100 });
  assertClose(
    [0, 1, 50, 99, 100, 150].map(s),
    [1, 0.9901, 0.505, 0.0199, 0.01, 0.01],
    "linear",
    1e-12,
  );
});

Deno.test("cosineDecay matches optax.cosine_decay_schedule", () => {
  const s = cosineDecay({ init: 2, decaySteps: 10, alpha: 0.1 });
  // 2 * (0.9 * 0.5 * (1 + cos(pi t / 10)) + 0.1)
  assertClose(
    [0, 1, 5, 10, 20].map(s),
    [2, 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI / 10)) + 0.1), 1.1, 0.2, 0.2],
    "cosine",
    1e-12,
  );
});

Deno.test("warmupCosine: decaySteps counts the warmup, as optax.warmup_cosine_decay_schedule", () => {
  const s = warmupCosine({ init: 0, peak: 1, warmupSteps: 2, decaySteps: 6, end: 0.1 });
  // warmup 0 -> 1 over 2 steps, then cosine over 6 - 2 = 4 steps with alpha = 0.1.
  assertClose(
    [0, 1, 2, 3, 4, 6, 100].map(s),
    [0, 0.5, 1, 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1, 0.55, 0.1, 0.1],
    "warmupCosine",
    1e-12,
  );
  const noWarmup = warmupCosine({ init: 0, peak: 1, warmupSteps: 0, decaySteps: 4 });
  assertClose([0, 2, 4].map(noWarmup), [1, 0.5, 0], "no warmup", 1e-12, 1e-15);
});

Deno.test("linearWarmup, constant and linearScaling", () => {
  const s = linearWarmup({ peak: 0.4, warmupSteps: 4 });
  assertClose([0, 1, 4, 50].map(s), [0, 0.1, 0.4, 0.4], "linearWarmup", 1e-12);
  assert.equal(constant(0.3)(12345), 0.3);
  assert.equal(linearScaling(0.1, 1024), 0.4);
  assert.equal(linearScaling(0.1, 64, 32), 0.2);
});

Deno.test("schedules round-trip through their config", () => {
  const schedules = [
    constant(0.2),
    linearSchedule({ init: 0.1, end: 0, steps: 7 }),
    cosineDecay({ init: 1, decaySteps: 9 }),
    warmupCosine({ init: 0.01, peak: 0.3, warmupSteps: 3, decaySteps: 12, end: 0.001 }),
    linearWarmup({ init: 0.01, peak: 0.1, warmupSteps: 5 }),
  ];
  for (const s of schedules) {
    const copy = scheduleFromConfig(JSON.parse(JSON.stringify(s.config)));
    assert.deepEqual(copy.config, s.config);
    for (const t of [0, 1, 3, 6, 20]) assert.equal(copy(t), s(t));
  }
  assert.equal(learningRateFromConfig(learningRateToConfig("x", 0.5)), 0.5);
  assert.throws(
    () => learningRateToConfig("lars", (t) => 1 / (t + 1)),
    /lars: learningRate is a plain function/,
  );
  assert.throws(() => scheduleFromConfig({ kind: "nope" } as never), /kind must be one of/);
});

Deno.test("schedules reject bad parameters naming parameter and value", () => {
  assert.throws(
    () => linearSchedule({ init: 1, end: 0, steps: 0 }),
    /linearSchedule: steps must be a finite number > 0, got 0/,
  );
  assert.throws(() => linearSchedule({ init: -1, end: 0, steps: 5 }), /init.*got -1/);
  assert.throws(() => cosineDecay({ init: 1, decaySteps: -3 }), /decaySteps.*got -3/);
  assert.throws(() => cosineDecay({ init: NaN, decaySteps: 3 }), /init.*NaN/);
  assert.throws(() => cosineDecay({ init: 1, decaySteps: 3, alpha: -1 }), /alpha.*-1/);
  assert.throws(
    () => warmupCosine({ init: 0, peak: 1, warmupSteps: 5, decaySteps: 5 }),
    /decaySteps must be > warmupSteps \(5; decaySteps includes the warmup\), got 5/,
  );
  assert.throws(
    () => warmupCosine({ init: 0, peak: Infinity, warmupSteps: 1, decaySteps: 5 }),
    /peak.*Infinity/,
  );
  assert.throws(() => linearWarmup({ peak: 1, warmupSteps: 0 }), /warmupSteps.*got 0/);
  assert.throws(() => constant(-0.1), /constant: value.*-0\.1/);
  assert.throws(() => linearScaling(0.1, 0), /batchSize.*got 0/);
});

Deno.test("piecewiseConstant matches optax.piecewise_constant_schedule (the scale applies AT its step)", () => {
  // Given out of order on purpose: optax sorts by boundary.
  const s = piecewiseConstant({ init: 2, boundariesAndScales: { 200: 0.5, 100: 0.1, 0: 3 } });
  // optax: v = init; for (b, f) in sorted: v = f * v when count >= b.
  const want = (t: number) => 2 * (t >= 0 ? 3 : 1) * (t >= 100 ? 0.1 : 1) * (t >= 200 ? 0.5 : 1);
  const steps = [0, 1, 99, 100, 101, 199, 200, 1000];
  assertClose(steps.map(s), steps.map(want), "piecewise", 1e-15);
  assertClose([s(50), s(150), s(250)], [6, 0.6, 0.3], "docstring-like values", 1e-12);
  assert.equal(piecewiseConstant({ init: 0.4, boundariesAndScales: {} })(10 ** 6), 0.4);
  assert.throws(
    () => piecewiseConstant({ init: 1, boundariesAndScales: { 10: -0.1 } }),
    /piecewiseConstant: scale at step 10 must be a finite number >= 0, got -0.1/,
  );
});

Deno.test("exponentialDecay matches optax.exponential_decay: transitionBegin, staircase, end", () => {
  // optax: elapsed = t - B; p = elapsed / T (floored with staircase);
  // v = elapsed <= 0 ? I : I * r ** p; then max(v, end) if r < 1 else min(v, end).
  const want = (
    t: number,
    o: { I: number; T: number; r: number; B: number; stair: boolean; end?: number },
  ) => {
    const elapsed = t - o.B;
    const p = o.stair ? Math.floor(elapsed / o.T) : elapsed / o.T;
    const v = elapsed <= 0 ? o.I : o.I * o.r ** p;
    return o.end === undefined ? v : o.r < 1 ? Math.max(v, o.end) : Math.min(v, o.end);
  };
  const steps = [0, 3, 5, 6, 10, 14, 15, 16, 25, 40, 100];
  const cases = [
    { I: 0.8, T: 10, r: 0.5, B: 0, stair: false },
    { I: 0.8, T: 10, r: 0.5, B: 5, stair: false },
    { I: 0.8, T: 10, r: 0.5, B: 5, stair: true },
    { I: 0.8, T: 10, r: 0.5, B: 0, stair: false, end: 0.15 },
    { I: 0.1, T: 4, r: 2, B: 3, stair: true, end: 0.7 },
  ];
  for (const o of cases) {
    const s = exponentialDecay({
      init: o.I,
      transitionSteps: o.T,
      decayRate: o.r,
      transitionBegin: o.B,
      staircase: o.stair,
      end: o.end,
    });
    const label = JSON.stringify(o);
    assertClose(steps.map(s), steps.map((t) => want(t, o)), label, 1e-12);
    assert.deepEqual(scheduleFromConfig(s.config)(17), s(17), `${label}: from config`);
  }
  // Hand-computed points.
  const s = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5 });
  assertClose([s(5), s(15), s(25)], [1, 0.5, 0.25], "begin 5", 1e-15);
  assert.throws(
    () => exponentialDecay({ init: 1, transitionSteps: 0, decayRate: 0.5 }),
    /exponentialDecay: transitionSteps must be a finite number > 0, got 0/,
  );
  assert.throws(
    () => exponentialDecay({ init: 1, transitionSteps: 5, decayRate: 0 }),
    /exponentialDecay: decayRate must be a finite number > 0, got 0/,
  );
});

Deno.test("joinSchedules matches optax.join_schedules: each schedule sees step - its boundary", () => {
  const warm = linearSchedule({ init: 0, end: 1, steps: 10 });
  const cos = cosineDecay({ init: 1, decaySteps: 20 });
  const tail = constant(0.05);
  const s = joinSchedules({ schedules: [warm, cos, tail], boundaries: [10, 30] });
  const want = (t: number) =>
    t < 10 ? t / 10 : t < 30 ? 0.5 * (1 + Math.cos(Math.PI * Math.min(t - 10, 20) / 20)) : 0.05;
  const steps = [0, 5, 9, 10, 11, 20, 29, 30, 31, 1000];
  assertClose(steps.map(s), steps.map(want), "joined", 1e-12);
  const copy = scheduleFromConfig(JSON.parse(JSON.stringify(s.config)));
  assert.deepEqual(steps.map(copy), steps.map(s));
  assert.throws(
    () => joinSchedules({ schedules: [warm, cos], boundaries: [] }),
    /joinSchedules: boundaries must have 1 entries \(one fewer than schedules\), got \[\]/,
  );
  assert.throws(
    () => joinSchedules({ schedules: [warm, cos, tail], boundaries: [30, 10] }),
    /non-decreasing/,
  );
  assert.throws(
    () => joinSchedules({ schedules: [warm, ((t: number) => t) as never], boundaries: [1] }),
    /schedules\[1\] must be a library schedule/,
  );
});
