/**
 * `explode` (the default mode): the gradient explosion at initialization, for one
 * configuration or a sweep over lists of them.
 *
 * @module
 */
import { type BackendName, BACKENDS, useBackend } from "../backend/backend.ts";
import { buildModel } from "../models/build.ts";
import {
  choiceOption,
  CliError,
  intOption,
  listOption,
  numberOption,
  parseCommand,
} from "../cli/args.ts";
import { checkOutDir } from "../cli/out_dir.ts";
import { startBackend } from "../cli/guard.ts";
import { writeFileAtomic } from "../output/atomic.ts";
import { toCsv } from "../output/csv.ts";
import { writePlot } from "../output/plot.ts";
import {
  type ExplosionConfig,
  type ExplosionResult,
  measureExplosion,
  THEORETICAL_RATIO,
} from "./explosion.ts";
import { PROBE_LOSSES, type ProbeLoss } from "./gradnorms.ts";
import { layerSpec, layerTable, networkName, ratioVsBatchSpec, sweepTable } from "./init_report.ts";

/** The network variants: the BN-ReLU network and its two controls. */
export const NETWORKS = ["bn-relu", "no-bn", "no-relu"] as const;

/** The usage text of `explode`. */
export const INIT_USAGE = `usage: cli.ts explode [init] [options]
       cli.ts explode train [options]   (see: explode train --help)

Measures, for freshly initialized Linear/Conv -> BN -> ReLU networks, the weight-gradient norm
of every layer and the ratio between consecutive layers, and prints the mean interior ratio
next to the theoretical sqrt(pi/(pi-1)) = ${THEORETICAL_RATIO.toFixed(4)}. Options taking a list
(comma-separated) sweep every combination.

options:
  --model mlp|cnn          network family (default mlp; cnn samples are 16x16x3)
  --network LIST           bn-relu, no-bn (control: ReLU, no BN), no-relu (control: BN, no
                           ReLU) (default bn-relu)
  --depth LIST             blocks, >= 3 (default 12)
  --width LIST             hidden width (default 512)
  --batch-size LIST        batch size, >= 2 (default 256)
  --correlation LIST       fraction of input variance correlated across samples, in [0, 1)
                           (default 0)
  --structure LIST         lowRank (a rank-r component, BN keeps it) or shared (one vector for
                           all samples, BN removes it) (default lowRank)
  --rank N                 rank of the lowRank component (default 1)
  --loss random|ce         top of the backward pass: a zero-mean random projection of the
                           logits, or cross-entropy on random labels (default random)
  --seed N                 first seed (default 0)
  --seeds N                seeds averaged per configuration (default 3)
  --backend NAME           ${BACKENDS.join(", ")} (default wasm; cpu for cnn)
  --out DIR                write sweep.csv, layers.csv and plots (SVG + PNG) to DIR
  --json                   print a JSON object as the last line: layers, ratios, meanRatio,
                           ... of the first configuration, and runs (all configurations)
  -h, --help               show this text`;

/** Parsed options of the init mode. */
export interface InitOptions {
  /** Every configuration of the sweep, in the order they are measured. */
  readonly configs: ExplosionConfig[];
  /** Backend to run on. */
  readonly backend: BackendName;
  /** Folder for CSV files and plots, when asked. */
  readonly out?: string;
  /** Print the JSON summary as the last line. */
  readonly json: boolean;
}

/** Every combination of the given lists, as objects (first key varies slowest). */
function cartesian<T extends Record<string, readonly unknown[]>>(
  lists: T,
): { [K in keyof T]: T[K][number] }[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(lists)) {
    out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  }
  return out as { [K in keyof T]: T[K][number] }[];
}

const INIT_OPTIONS = {
  model: { type: "string", default: "mlp" },
  network: { type: "string", default: "bn-relu" },
  depth: { type: "string", default: "12" },
  width: { type: "string", default: "512" },
  "batch-size": { type: "string", default: "256" },
  correlation: { type: "string", default: "0" },
  structure: { type: "string", default: "lowRank" },
  rank: { type: "string", default: "1" },
  loss: { type: "string", default: "random" },
  seed: { type: "string", default: "0" },
  seeds: { type: "string", default: "3" },
  backend: { type: "string" },
  out: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * Parses the init mode's arguments; throws a {@link CliError} on anything unknown or
 * impossible. Returns `undefined` after printing the help for `-h` or `--help`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseInitArgs } from "./init_command.ts";
 * const o = parseInitArgs(["--batch-size", "8,256", "--depth", "6"]);
 * assertEquals(o?.configs.map((c) => [c.batchSize, c.depth]), [[8, 6], [256, 6]]);
 * ```
 */
export function parseInitArgs(args: string[]): InitOptions | undefined {
  const parsed = parseCommand({ name: "explode", help: INIT_USAGE, options: INIT_OPTIONS }, args);
  if (parsed === undefined) return undefined;
  const v = parsed.values;
  const kind = choiceOption("model", v.model, ["mlp", "cnn"] as const);
  const lists = {
    network: listOption("network", v.network, (n, s) => choiceOption(n, s, NETWORKS)),
    depth: listOption("depth", v.depth, (n, s) => intOption(n, s, 3, 1000)),
    width: listOption("width", v.width, (n, s) => intOption(n, s, 1, 65536)),
    batchSize: listOption("batch-size", v["batch-size"], (n, s) => intOption(n, s, 2, 1 << 20)),
    correlation: listOption("correlation", v.correlation, (n, s) => {
      const c = numberOption(n, s, 0, 1);
      if (c >= 1) {
        throw new CliError(`--${n}: "${s}" is not allowed; expected a number in [0, 1)`);
      }
      return c;
    }),
    structure: listOption(
      "structure",
      v.structure,
      (n, s) => choiceOption(n, s, ["lowRank", "shared"] as const),
    ),
  };
  const rank = intOption("rank", v.rank, 1, 1 << 20);
  const loss = choiceOption<ProbeLoss>("loss", v.loss, PROBE_LOSSES);
  const seed = intOption("seed", v.seed, 0, 2 ** 31 - 1);
  const seeds = intOption("seeds", v.seeds, 1, 1000);
  const backend = choiceOption("backend", v.backend ?? (kind === "cnn" ? "cpu" : "wasm"), BACKENDS);
  const configs = cartesian(lists).map((c): ExplosionConfig => ({
    kind,
    depth: c.depth,
    width: c.width,
    batchSize: c.batchSize,
    batchNorm: c.network !== "no-bn",
    activation: c.network === "no-relu" ? "linear" : "relu",
    correlation: c.correlation,
    structure: c.structure,
    rank,
    loss,
    seed,
    seeds,
  }));
  return { configs, backend, out: v.out, json: v.json };
}

function describe(r: ExplosionResult): string {
  const c = r.config;
  return `${c.kind} ${networkName(r).padEnd(7)} depth ${c.depth} width ${c.width} batch ${
    String(c.batchSize).padStart(5)
  } corr ${c.correlation} ${c.structure}${c.structure === "lowRank" ? `(rank ${c.rank})` : ""}: ` +
    `mean ratio ${r.meanRatio.toFixed(4)} +- ${r.meanRatioSd.toFixed(4)} (${c.seeds} seeds)`;
}

/** The JSON summary of one result (what `--json` prints per configuration). */
export function resultJson(r: ExplosionResult): Record<string, unknown> {
  return {
    config: { ...r.config, network: networkName(r) },
    layers: r.layers,
    ratios: r.ratios,
    interior: r.interior,
    meanRatio: r.meanRatio,
    meanRatioSd: r.meanRatioSd,
    seedMeanRatios: r.seedMeanRatios,
  };
}

/** Runs the init mode; returns the exit code. */
export async function initMain(args: string[]): Promise<number> {
  const options = parseInitArgs(args);
  if (options === undefined) return 0;
  // Checked before measuring: a folder it may not write fails now, not after the run.
  if (options.out !== undefined) await checkOutDir("explode", "out", options.out);
  await startBackend(() => useBackend(options.backend));
  const results: ExplosionResult[] = [];
  for (const config of options.configs) {
    const r = await measureExplosion(buildModel, config);
    results.push(r);
    console.log(describe(r));
  }
  console.log(`theory: sqrt(pi/(pi-1)) = ${THEORETICAL_RATIO.toFixed(4)}`);
  if (results.length === 1) {
    const r = results[0];
    console.log("layer  grad norm      ratio to next");
    r.layers.forEach((n, i) => {
      const ratio = i < r.ratios.length
        ? r.ratios[i].toFixed(4) + (r.interior.includes(i) ? "" : " (not interior)")
        : "";
      console.log(`${String(i).padStart(5)}  ${n.toExponential(4)}  ${ratio}`);
    });
  }
  if (options.out !== undefined) {
    await Deno.mkdir(options.out, { recursive: true });
    await writeFileAtomic(`${options.out}/sweep.csv`, toCsv(sweepTable(results)));
    await writeFileAtomic(`${options.out}/layers.csv`, toCsv(layerTable(results)));
    const written = [`${options.out}/sweep.csv`, `${options.out}/layers.csv`];
    if (new Set(results.map((r) => r.config.batchSize)).size > 1) {
      written.push(...await writePlot(options.out, "ratio_vs_batch", ratioVsBatchSpec(results)));
    }
    written.push(...await writePlot(options.out, "layer_norms", layerSpec(results, "gradNorm")));
    written.push(...await writePlot(options.out, "layer_ratios", layerSpec(results, "ratio")));
    console.log(`wrote ${written.join(", ")}`);
  }
  if (options.json) {
    console.log(
      JSON.stringify({
        theory: THEORETICAL_RATIO,
        ...resultJson(results[0]),
        runs: results.map(resultJson),
      }),
    );
  }
  return 0;
}
