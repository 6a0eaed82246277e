/**
 * The switch between tf.js' own webgpu matrix product and the project's
 * (src/backend/webgpu_matmul/: a 128x128, 64x64 or 32x32 output tile per workgroup, 8x8 or
 * 4x4 sums per thread in registers, K staged through workgroup memory 16 at a time, vec4
 * loads and stores where the layout allows).
 *
 * `BatchMatMul` and `_FusedMatMul` of the `webgpu` backend are re-registered (once, by
 * `loadWebgpuBackend`) with a kernel that runs the project's program when the switch says
 * `project` and the call is one it covers, and tf.js' original kernel otherwise. Also
 * routed to tf.js' kernel in `auto` tiling: outputs so small that tf.js itself leaves its
 * tiled program for a reduction, split-K or small-output one (at most its
 * `thresholdToIncreaseWorkgroups` tiles of 32x32).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type MatmulCall,
  maxWorkgroupsPerDimension,
  planMatmul,
  runMatmul,
  tileNamed,
} from "./webgpu_matmul/run.ts";
import { type TileName, TILES, workgroupsFor } from "./webgpu_matmul/tiles.ts";

/** Which webgpu matrix product runs: tf.js' own, or the project's. */
export type WebgpuMatmul = "tfjs" | "project";

/** The choices of {@link setWebgpuMatmul}. */
export const WEBGPU_MATMULS: readonly WebgpuMatmul[] = ["tfjs", "project"];

let active: WebgpuMatmul = "tfjs";

/**
 * Chooses the webgpu matrix product (`BatchMatMul`, `_FusedMatMul`) for everything that
 * runs after the call. Default `tfjs`: the project's program is checked against tf.js' cpu
 * backend on a software adapter but not yet measured on a real GPU; `deno task bench:gpu
 * --matmul` prints both side by side, and decides. Calls the project's program does not
 * cover (prelu and leakyrelu activations, int32, unusual batch broadcasts, tiny outputs)
 * run tf.js' kernel either way. Takes effect on the webgpu backend only.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { setWebgpuMatmul, webgpuMatmul } from "./webgpu_matmul.ts";
 * setWebgpuMatmul("project"); // before tf.matMul on webgpu
 * assertEquals(webgpuMatmul(), "project");
 * setWebgpuMatmul("tfjs"); // the default
 * ```
 */
export function setWebgpuMatmul(which: WebgpuMatmul): void {
  if (!WEBGPU_MATMULS.includes(which)) {
    throw new Error(
      `setWebgpuMatmul: expected one of ${WEBGPU_MATMULS.join(", ")}, got ${String(which)}`,
    );
  }
  active = which;
}

/** The webgpu matrix product in use (see {@link setWebgpuMatmul}). */
export function webgpuMatmul(): WebgpuMatmul {
  return active;
}

export type { TileName } from "./webgpu_matmul/tiles.ts";

/** `auto`, or one tile for every covered call (small outputs included). */
export type WebgpuMatmulTiling = "auto" | TileName;

let tiling: WebgpuMatmulTiling = "auto";

/**
 * For tests and benchmarks of the project's program: `auto` (the default) picks the tile by
 * the output's size and leaves tiny outputs to tf.js; a tile name forces that tile on every
 * covered call, tiny ones included. Returns the previous setting.
 */
export function setWebgpuMatmulTiling(which: WebgpuMatmulTiling): WebgpuMatmulTiling {
  if (which !== "auto" && !(which in TILES)) {
    throw new Error(`setWebgpuMatmulTiling: unknown tiling ${String(which)}`);
  }
  const previous = tiling;
  tiling = which;
  return previous;
}

/** What the routing needs of tf.js' webgpu backend. */
interface RoutingBackend extends tf.KernelBackend {
  thresholdToIncreaseWorkgroups?: number;
}

/** The project's output for `call`, or null when tf.js' kernel should run it. */
function projectMatmul(backend: tf.KernelBackend, call: MatmulCall): tf.TensorInfo | null {
  if (active !== "project") return null;
  const limit = maxWorkgroupsPerDimension(backend);
  const plan = planMatmul(call, limit, tiling === "auto" ? undefined : tileNamed(tiling));
  if (plan === null) return null;
  if (tiling === "auto") {
    const threshold = (backend as RoutingBackend).thresholdToIncreaseWorkgroups ?? 8;
    if (workgroupsFor(TILES["32x32"], plan.batch, plan.m, plan.n) <= threshold) return null;
  }
  runs++;
  return runMatmul(backend, call, plan);
}

let runs = 0;

/**
 * How many matrix products the project's program has run in this process (tests and
 * benchmarks check with it that the program they measure is the one that ran).
 */
export function webgpuMatmulRuns(): number {
  return runs;
}

let installed = false;

/**
 * Re-registers the webgpu `BatchMatMul` and `_FusedMatMul` with kernels that follow
 * {@link setWebgpuMatmul} (once per process; tf.js' webgpu backend must be imported).
 */
export function installWebgpuMatmul(): void {
  if (installed) return;
  for (const name of ["BatchMatMul", "_FusedMatMul"]) {
    const original = tf.getKernel(name, "webgpu");
    if (original === undefined) throw new Error(`webgpu kernel "${name}" is not registered`);
    const kernelFunc: tf.KernelFunc = (args) => {
      const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as Record<string, unknown>;
      const ours = projectMatmul(args.backend as tf.KernelBackend, {
        a: inputs.a!,
        b: inputs.b!,
        transposeA: Boolean(attrs.transposeA),
        transposeB: Boolean(attrs.transposeB),
        bias: inputs.bias ?? null,
        preluActivationWeights: inputs.preluActivationWeights ?? null,
        activation: (attrs.activation as string | undefined) ?? null,
      });
      return ours ?? original.kernelFunc(args);
    };
    tf.unregisterKernel(name, "webgpu");
    tf.registerKernel({ ...original, kernelFunc });
  }
  installed = true;
}
