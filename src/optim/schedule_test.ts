import assert from "node:assert/strict";
import {
  constant,
  cosineDecay,
  learningRateFromConfig,
  learningRateToConfig,
  linearScaling,
  linearSchedule,
  linearWarmup,
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
