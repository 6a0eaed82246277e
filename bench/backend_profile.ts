/**
 * Where one training step of a reference workload spends its time, per kernel: the project's
 * real model (`buildModel`) and step (`trainStep` with `momentum`), one warm-up step, then
 * `tf.profile` over the next steps. Kernels this project composes from other kernels call
 * those below the engine, so each kernel's time is its whole time (nothing counted twice).
 * `tf.customGrad` forwards (the models' batch norm) show up as one unnamed record that
 * includes the kernels inside it; that row is reported apart and left out of the shares.
 *
 * Usage: `deno task bench:profile [--workload W1|W2] [--backend native|wasm|...] [--threads N]
 *   [--steps 2] [--top 15]` (the default backend, as the CLIs pick it, unless --backend).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import {
  backendInfo,
  type BackendName,
  defaultBackend,
  useBackend,
} from "../src/backend/backend.ts";
import { makeWorkload, type WorkloadName, WORKLOADS } from "./backend_workloads.ts";

/** Time and call count of one kernel name over the profiled steps. */
export interface KernelRow {
  /** Kernel name. */
  readonly kernel: string;
  /** Calls per step. */
  readonly calls: number;
  /** Milliseconds per step. */
  readonly ms: number;
  /** Share of the summed kernel time. */
  readonly share: number;
}

/** tf.profile's name for a record without a kernel (a customGrad forward, inclusive). */
const SCOPE = "unnamed scope";

/**
 * Profiles `steps` steps of `workload` after one warm-up step; rows sorted by time. The
 * customGrad forwards' inclusive time is `scopeMsPerStep`, not in `rows`.
 */
export async function profileWorkload(
  workload: WorkloadName,
  steps: number,
): Promise<
  { rows: KernelRow[]; wallMsPerStep: number; kernelMsPerStep: number; scopeMsPerStep: number }
> {
  const w = makeWorkload(workload);
  try {
    await w.step();
    const start = performance.now();
    const info = await tf.profile(async () => {
      for (let i = 0; i < steps; i++) await w.step();
    });
    const wallMsPerStep = (performance.now() - start) / steps;
    const byName = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      const row = byName.get(k.name) ?? { calls: 0, ms: 0 };
      row.calls++;
      row.ms += k.kernelTimeMs as number;
      byName.set(k.name, row);
    }
    const scopeMs = byName.get(SCOPE)?.ms ?? 0;
    byName.delete(SCOPE);
    const total = [...byName.values()].reduce((s, r) => s + r.ms, 0);
    const rows = [...byName.entries()]
      .map(([kernel, r]) => ({
        kernel,
        calls: r.calls / steps,
        ms: r.ms / steps,
        share: r.ms / total,
      }))
      .sort((a, b) => b.ms - a.ms);
    return { rows, wallMsPerStep, kernelMsPerStep: total / steps, scopeMsPerStep: scopeMs / steps };
  } finally {
    w.dispose();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      workload: { type: "string", default: "W1" },
      backend: { type: "string" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
      steps: { type: "string", default: "2" },
      top: { type: "string", default: "15" },
    },
  });
  if (!(WORKLOADS as readonly string[]).includes(values.workload!)) {
    throw new Error(`--workload: got "${values.workload}"; allowed: ${WORKLOADS.join(", ")}`);
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`--steps: got "${values.steps}"; allowed: an integer >= 1`);
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`--threads: got "${values.threads}"; allowed: an integer >= 1`);
  }
  await useBackend((values.backend as BackendName | undefined) ?? await defaultBackend(), {
    threads,
  });
  const info = backendInfo();
  const { rows, wallMsPerStep, kernelMsPerStep, scopeMsPerStep } = await profileWorkload(
    values.workload as WorkloadName,
    steps,
  );
  console.log(
    `${values.workload} on ${info.name} (${info.threads} threads): ${
      wallMsPerStep.toFixed(1)
    } ms/step wall ` +
      `(profiled), ${kernelMsPerStep.toFixed(1)} ms/step in kernels; customGrad forwards ` +
      `(inclusive, overlaps the kernels) ${scopeMsPerStep.toFixed(1)} ms/step`,
  );
  console.log("| kernel | calls/step | ms/step | share |\n|---|---:|---:|---:|");
  for (const r of rows.slice(0, Number(values.top))) {
    console.log(
      `| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(2)} | ${(100 * r.share).toFixed(1)}% |`,
    );
  }
}
