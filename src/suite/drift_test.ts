import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareRun, describeDrift, driftCsv, NOT_WRITTEN, spreadIndices } from "./drift.ts";
import { parseCsv } from "../output/csv.ts";

const BIT = { absolute: 0 };

const committed = {
  run_id: "r1",
  method: "lalc",
  scaled_lr: "0.0125",
  status: "ok",
  final_test_accuracy: "0.814",
  max_grad_norm: "5.833893299102783",
  wall_seconds: "0.97",
  git_commit: "abc",
};

Deno.test("compareRun: bit-exact compares text, skips provenance, lists metrics always", () => {
  const same = compareRun("r1", committed, { ...committed, wall_seconds: "9", git_commit: "x" }, {
    absolute: 0,
  });
  assertEquals(same.map((d) => d.column), ["status", "final_test_accuracy", "max_grad_norm"]);
  assert(same.every((d) => d.withinTolerance && (d.absDiff === 0 || Number.isNaN(d.absDiff))));
  // One ulp of a float32 norm is drift when bit-exact.
  const moved = compareRun("r1", committed, {
    ...committed,
    max_grad_norm: "5.833893775939941",
  }, { absolute: 0 });
  const bad = moved.filter((d) => !d.withinTolerance);
  assertEquals(bad.map((d) => d.column), ["max_grad_norm"]);
  assert(Math.abs(bad[0].absDiff - 4.76837158203125e-7) < 1e-12);
});

Deno.test("compareRun: a tolerance admits small numeric moves, never text or non-finite ones", () => {
  const tol = { absolute: 1e-6, columns: { final_test_accuracy: 0.002 } };
  const near = compareRun("r1", committed, {
    ...committed,
    final_test_accuracy: "0.815",
    max_grad_norm: "5.8338937",
  }, tol);
  assert(near.every((d) => d.withinTolerance));
  const far = compareRun("r1", committed, {
    ...committed,
    final_test_accuracy: "0.817",
    status: "diverged",
    max_grad_norm: "inf",
  }, tol);
  assertEquals(far.filter((d) => !d.withinTolerance).map((d) => d.column), [
    "status",
    "final_test_accuracy",
    "max_grad_norm",
  ]);
});

Deno.test("compareRun: configuration columns appear only where they differ", () => {
  const drift = compareRun("r1", committed, { ...committed, scaled_lr: "0.025" }, BIT);
  assertEquals(drift.filter((d) => !d.withinTolerance).map((d) => d.column), ["scaled_lr"]);
  assert(!drift.some((d) => d.column === "method" || d.column === "run_id"));
});

Deno.test("compareRun: a committed column today's code does not write is drift", () => {
  const { final_test_accuracy: _, ...without } = committed;
  const drift = compareRun("r1", committed, without, BIT);
  const gone = drift.find((d) => d.column === "final_test_accuracy")!;
  assertEquals([gone.reproduced, gone.withinTolerance], [NOT_WRITTEN, false]);
  // A column only the reproduction has (a folder older than the schema) is not compared.
  const extra = compareRun("r1", committed, { ...committed, val_accuracy: "0.8" }, BIT);
  assert(!extra.some((d) => d.column === "val_accuracy"));
});

Deno.test("driftCsv and describeDrift name run, column, committed and reproduced value", () => {
  const rows = compareRun("r1", committed, { ...committed, final_test_accuracy: "0.81" }, BIT);
  const parsed = parseCsv(driftCsv(rows));
  const acc = parsed.find((r) => r.column === "final_test_accuracy")!;
  assertEquals(acc, {
    run_id: "r1",
    column: "final_test_accuracy",
    committed: "0.814",
    reproduced: "0.81",
    abs_diff: String(Math.abs(0.814 - 0.81)),
    within_tolerance: "false",
  });
  assertEquals(parsed.find((r) => r.column === "status")!.abs_diff, "");
  const line = describeDrift(rows.find((d) => d.column === "final_test_accuracy")!);
  assert(line.startsWith("run r1: final_test_accuracy committed 0.814, reproduced 0.81"), line);
});

Deno.test("spreadIndices covers first and last, no duplicates, all when asked for more", () => {
  assertEquals(spreadIndices(60, 12), [0, 5, 11, 16, 21, 27, 32, 38, 43, 48, 54, 59]);
  assertEquals(spreadIndices(3, 10), [0, 1, 2]);
  assertEquals(spreadIndices(5, 1), [0]);
  assertEquals(spreadIndices(0, 4), []);
  for (const [n, k] of [[180, 6], [7, 6], [2, 2]]) {
    const got = spreadIndices(n, k);
    assertEquals([got.length, got[0], got.at(-1), new Set(got).size], [k, 0, n - 1, k]);
  }
});
