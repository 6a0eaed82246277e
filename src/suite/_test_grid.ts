/**
 * Grid fixtures shared by the runner's tests. For in-process tests: the versions a test
 * folder records, a small two-method grid and `runGrid` options with the fake training
 * function of `_test_fakes.ts`. For tests that start `deno run src/cli.ts grid`: a tiny grid
 * of real runs, a temporary folder holding it as grid.json, and the command. Tests only.
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

/** A grid.json of real runs small enough for a test: an 8-wide mlp of depth 2 on 256/64
 * synthetic samples, one epoch, seeds 1 and 2, two rates; tests add the name, batch sizes
 * and any methods. */
export const TINY_GRID_JSON = {
  extends: "smoke",
  dataset: { name: "synthetic", trainSamples: 256, testSamples: 64 },
  model: { kind: "mlp", width: 8 },
  depths: [2],
  seeds: [1, 2],
  epochs: 1,
  lrGrid: { points: 2, factor: 10 },
  evalPoints: 2,
  evalSamples: 64,
  traceSteps: 3,
};

/** The smallest grid of real runs: lalc at batch 32, depth 2, seeds 1 and 2, one rate, an
 * 8-wide mlp on 64/32 synthetic samples, one epoch; tests add what they vary. */
export const SMALLEST_GRID_JSON = {
  extends: "smoke",
  name: "tiny",
  methods: ["lalc"],
  batchSizes: [32],
  depths: [2],
  seeds: [1, 2],
  dataset: { name: "synthetic", trainSamples: 64, testSamples: 32 },
  model: { kind: "mlp", width: 8 },
  epochs: 1,
  lrGrid: { points: 1, factor: 10 },
  evalPoints: 1,
  evalSamples: 32,
};

/** A new temporary folder with `spec` written to its grid.json; returns the folder. */
export async function folderWithGrid(spec: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(spec));
  return dir;
}

const CLI = new URL("../cli.ts", import.meta.url).pathname;

/** `deno run src/cli.ts ...args` allowed to read, to write only `dir`, and the environment. */
export function cliCommand(
  dir: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Deno.Command {
  return new Deno.Command("deno", {
    args: ["run", "--allow-read", `--allow-write=${dir}`, "--allow-env", CLI, ...args],
    ...options,
  });
}
