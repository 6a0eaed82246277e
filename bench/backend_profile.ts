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
import { choiceOption, intOption, parseCommand } from "../src/cli/args.ts";
import { guard, startBackend } from "../src/cli/guard.ts";
import { backendInfo, BACKENDS, defaultBackend, useBackend } from "../src/backend/backend.ts";
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

const HELP = `usage: backend_profile.ts [--workload S1|W1|W2] [options]

Profiles the reference workload's training step kernel by kernel (tf.profile).

  --workload NAME  ${WORKLOADS.join(", ")} (default W1)
  --backend NAME   ${BACKENDS.join(", ")} (default: native where its libraries load, else wasm)
  --threads N      native threads (default 1, as a grid runs each cell)
  --steps N        profiled steps after one warm-up (default 2)
  --top N          kernels listed (default 15)
  -h, --help       show this text`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommand({
    name: "backend_profile",
    help: HELP,
    options: {
      workload: { type: "string", default: "W1" },
      backend: { type: "string" },
      threads: { type: "string", default: "1" },
      steps: { type: "string", default: "2" },
      top: { type: "string", default: "15" },
    },
  }, args);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const workload = choiceOption("workload", values.workload, WORKLOADS);
  const backend = values.backend === undefined
    ? await defaultBackend()
    : choiceOption("backend", values.backend, BACKENDS);
  const steps = intOption("steps", values.steps, 1);
  const threads = intOption("threads", values.threads, 1, 1024);
  const top = intOption("top", values.top, 1);
  await startBackend(() => useBackend(backend, { threads }));
  const info = backendInfo();
  const { rows, wallMsPerStep, kernelMsPerStep, scopeMsPerStep } = await profileWorkload(
    workload,
    steps,
  );
  console.log(
    `${workload} on ${info.name} (${info.threads} threads): ${
      wallMsPerStep.toFixed(1)
    } ms/step wall ` +
      `(profiled), ${kernelMsPerStep.toFixed(1)} ms/step in kernels; customGrad forwards ` +
      `(inclusive, overlaps the kernels) ${scopeMsPerStep.toFixed(1)} ms/step`,
  );
  console.log("| kernel | calls/step | ms/step | share |\n|---|---:|---:|---:|");
  for (const r of rows.slice(0, top)) {
    console.log(
      `| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(2)} | ${(100 * r.share).toFixed(1)}% |`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await guard("backend_profile", () => main(Deno.args)));
