/**
 * Grid fixtures shared by the runner's in-process tests: the versions a test folder
 * records, a small two-method grid and `runGrid` options with the fake training function
 * of `_test_fakes.ts`. Tests only.
 *
 * @module
 */
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { fakeRunFn, recordingKit } from "./_test_fakes.ts";
import { SMOKE } from "./presets.ts";
import type { GridRunOptions } from "./runner.ts";
import type { GridSpec } from "./types.ts";

/** The versions a test folder records. */
export const TEST_VERSIONS = { deno: "d", tfjs: "t", gitCommit: "c" };

/** lalc and lamb at batch 16 and 64, depth 2, seeds 1 and 2, two tuning rates on the first
 * seed, no traces; the rest as in SMOKE. */
export function twoMethodGrid(name: string): GridSpec {
  return {
    ...SMOKE,
    name,
    methods: ["lalc", "lamb"],
    batchSizes: [16, 64],
    depths: [2],
    seeds: [1, 2],
    lrGrid: { points: 2, factor: 10, tuneOn: "first-seed" },
    traceSteps: 0,
  };
}

/** `runGrid` options for `grid` into `out`: the fake training function and a recording kit
 * on 128 training and 32 test samples, backend "cpu", {@link TEST_VERSIONS}; `extra` wins. */
export function fakeGridOptions(
  grid: GridSpec,
  out: string,
  extra: Partial<GridRunOptions> = {},
): GridRunOptions {
  return {
    grid,
    out,
    dataset: makeSyntheticDataset({ trainCount: 128, testCount: 32 }),
    runFn: fakeRunFn(),
    kit: recordingKit([]),
    backend: "cpu",
    versions: TEST_VERSIONS,
    ...extra,
  };
}
