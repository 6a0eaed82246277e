/**
 * Fingerprints of the committed results: before timing anything, re-runs 20 runs spread over
 * `results/smoke`, the cheapest runs of `results/standard` (largest batch at the smallest
 * depth, three of them spread over the methods) and of `results/cnn` (one ResNet-8 run; both
 * skipped with a message when the full Fashion-MNIST is not installed) through the grid's own
 * code, and fails, naming run id, column, committed and new value and the cause it can see,
 * unless every metric matches its committed row: bit for bit where the same kernels run as
 * made the folder (the default reproducible kernels on any x86-64 machine with AVX2), else
 * within the measured across-kernels tolerance (fixtures/reproducibility.json).
 *
 * Run: `deno bench --allow-read --allow-env bench/fingerprint_bench.ts` (part of
 * `deno task bench`). When a change moves the numbers on purpose, re-run the committed
 * results in the same change: this bench is what makes it visible.
 *
 * @module
 */
import { DEFAULT_FASHION_MNIST_DIR } from "../src/data/fashion_mnist.ts";
import { describeDrift } from "../src/suite/drift.ts";
import {
  driftCause,
  readCommitted,
  reproduceFolder,
  type ReproduceReport,
} from "../src/suite/reproduce.ts";

const SMOKE = new URL("../results/smoke", import.meta.url).pathname;
const STANDARD = new URL("../results/standard", import.meta.url).pathname;
/** Standard runs re-run: a few of the cheapest (168 steps each at batch 2048, depth 4). */
const STANDARD_RUNS = 3;
const CNN = new URL("../results/cnn", import.meta.url).pathname;
/** CNN runs re-run: one of the cheapest (ResNet-8, 150 steps at batch 256, ~40 s). */
const CNN_RUNS = 1;
/** Smoke runs re-run, spread over the folder (of its 215; `deno task fingerprint` re-runs 12). */
const SMOKE_RUNS = 20;

/**
 * Ids of `count` of the cheapest finished rows of `dir` (fewest steps x depth), spread evenly.
 * Diverged and error rows are left out: they stop early, so they would always be the cheapest
 * and the sample would be one odd run.
 */
async function cheapest(dir: string, count: number): Promise<string[]> {
  const { records } = await readCommitted(dir);
  const finished = records.filter((r) => r.status === "ok");
  const cost = (r: Record<string, string>) => Number(r.steps) * Number(r.depth);
  const least = Math.min(...finished.map(cost));
  const cheap = finished.filter((r) => cost(r) === least);
  const step = cheap.length / count;
  return Array.from(
    { length: Math.min(count, cheap.length) },
    (_, i) => cheap[Math.floor(i * step)].run_id,
  );
}

async function fullFashionMnist(): Promise<boolean> {
  const dir = Deno.env.get("FASHION_MNIST_DIR") ?? DEFAULT_FASHION_MNIST_DIR;
  for (const name of ["t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"]) {
    try {
      await Deno.stat(`${dir}/${name}`);
      return true;
    } catch {
      // try the next name
    }
  }
  return false;
}

async function check(dir: string, choice: { runs?: number; runIds?: string[] }) {
  const start = performance.now();
  // The tolerance follows from the kernels: bit-exact on the folder's own kernels, the
  // measured across-kernels one on others (fixtures/reproducibility.json).
  const report = await reproduceFolder({ dir, ...choice });
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `fingerprint ${dir}: ${report.runIds.length - report.driftedRuns.length} of ` +
      `${report.runIds.length} runs match (${report.comparison.source}) in ${seconds.toFixed(1)} s`,
  );
  return report;
}

const reports: ReproduceReport[] = [await check(SMOKE, { runs: SMOKE_RUNS })];
const full = await fullFashionMnist();
for (const [dir, runs] of [[STANDARD, STANDARD_RUNS], [CNN, CNN_RUNS]] as const) {
  if (full) {
    reports.push(await check(dir, { runIds: await cheapest(dir, runs) }));
  } else {
    console.log(`fingerprint ${dir}: skipped, the full Fashion-MNIST is not installed`);
  }
}
const drifted = reports.filter((r) => r.mismatches.length > 0);
if (drifted.length > 0) {
  throw new Error(
    drifted.map((r) =>
      `committed results drifted (${r.mismatches.length} cells); ${driftCause(r.comparison)}:\n` +
      r.mismatches.map(describeDrift).join("\n")
    ).join("\n"),
  );
}

// What one fingerprint costs: re-running the first smoke run.
const first = (await readCommitted(SMOKE)).records[0].run_id;
Deno.bench(`fingerprint: re-run smoke run ${first}`, { n: 3, warmup: 0 }, async () => {
  const r = await reproduceFolder({ dir: SMOKE, runIds: [first] });
  if (r.mismatches.length > 0) throw new Error(r.mismatches.map(describeDrift).join("\n"));
});
