/**
 * Which quantity follows the measured gradient ratio over training, read so that a time trend
 * shared with the loss and the learning rate does not count: per run, the Pearson correlation
 * of each quantity with the measured mean interior ratio over the measurement steps (raw), of
 * their first differences, and partial given the running loss and the learning rate; and an
 * out-of-sample test: does a quantity improve a prediction of the ratio on held-out seeds
 * beyond what the loss, the rate and the step predict?
 *
 * Everything here is computed from the rows of `steps.csv` and `layers.csv` (as parsed
 * objects), so a re-analysis of a committed study (`explode mechanism --replot`) gives what
 * its training run gave.
 *
 * @module
 */
import { mean, tInterval } from "../stats/stats.ts";
import { firstDifferences, leastSquares, partialCorrelation, pearson } from "./correlation.ts";

/** The quantities whose track over a run is compared with the measured mean interior ratio. */
export const TRACKED = [
  "predictedMeanRatio",
  "predictedRetentionMeanRatio",
  "varianceRetention",
  "gateAgreement",
  "centredCosineRms",
  "unitCorrelationFactor",
  "kernelGain",
  "learningRate",
  "loss",
  "runningLoss",
] as const;

/** One of {@link TRACKED}. */
export type TrackedQuantity = typeof TRACKED[number];

/** The per-layer measures of `layers.csv` that are averaged over the interior blocks. */
const LAYER_QUANTITIES = [
  "varianceRetention",
  "gateAgreement",
  "centredCosineRms",
  "unitCorrelationFactor",
  "kernelGain",
] as const;

/** One measurement step of a run: the measured mean interior ratio and every tracked quantity. */
export type TrackedPoint =
  & { readonly step: number; readonly meanRatio: number }
  & {
    readonly [q in TrackedQuantity]: number;
  };

/** A run's identity (the key columns of the CSVs) and its measurement steps. */
export interface TrackedRun {
  /** Data set name. */
  readonly dataset: string;
  /** `mlp` or `resnet` (`mlp` for CSVs written before the column existed). */
  readonly model: string;
  /** Input correlation level `c`. */
  readonly correlation: number;
  /** `momentum`, `warmup` or `lalc`. */
  readonly method: string;
  /** Seed of weights and data order. */
  readonly seed: number;
  /** The measurement steps, in order. */
  readonly points: readonly TrackedPoint[];
}

function num(cell: string | undefined): number {
  return cell === undefined || cell === "" ? NaN : Number(cell);
}

function finiteMean(values: readonly number[]): number {
  return mean(values.filter(Number.isFinite));
}

function runKey(r: Record<string, string>): string {
  return [r.dataset, r.model ?? "mlp", r.correlation, r.method, r.seed].join("|");
}

/**
 * The runs of a study from its `steps.csv` and `layers.csv` rows. The measurement steps are
 * those `layers.csv` has; a layer measure is averaged over the interior blocks (2 .. D-1, D
 * the largest block); `runningLoss` is the mean batch loss over the steps since the previous
 * measurement (this one included): the loss a training log shows, without the batch's noise.
 *
 * @example
 * ```ts
 * import { trackedRuns } from "./mechanism_tracking.ts";
 * const key = { dataset: "d", correlation: "0", method: "m", seed: "0" };
 * const steps = [0, 1, 2].map((s) => ({ ...key, step: String(s), learningRate: "0.1",
 *   loss: String(3 - s), meanRatio: "1.2", predictedMeanRatio: "", predictedRetentionMeanRatio: "" }));
 * const layers = [0, 2].flatMap((s) => [1, 2, 3].map((b) => ({ ...key, step: String(s),
 *   block: String(b), gateAgreement: String(b === 2 ? 0.5 : 9) })));
 * const [run] = trackedRuns(steps, layers);
 * // Step 2: the loss of steps 1 and 2; block 2 is the only interior block of 3.
 * if (run.points[1].runningLoss !== 1.5 || run.points[1].gateAgreement !== 0.5) throw new Error();
 * ```
 */
export function trackedRuns(
  steps: readonly Record<string, string>[],
  layers: readonly Record<string, string>[],
): TrackedRun[] {
  const depth = Math.max(...layers.map((r) => Number(r.block)));
  const layerByStep = new Map<string, Record<string, string>[]>();
  for (const r of layers) {
    const block = Number(r.block);
    if (block < 2 || block > depth - 1) continue;
    const k = `${runKey(r)}|${r.step}`;
    const list = layerByStep.get(k) ?? [];
    list.push(r);
    layerByStep.set(k, list);
  }
  const stepsByRun = new Map<string, Record<string, string>[]>();
  for (const r of steps) {
    const list = stepsByRun.get(runKey(r)) ?? [];
    list.push(r);
    stepsByRun.set(runKey(r), list);
  }
  const out: TrackedRun[] = [];
  for (const [key, rows] of stepsByRun) {
    rows.sort((a, b) => Number(a.step) - Number(b.step));
    const points: TrackedPoint[] = [];
    let since = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const blocks = layerByStep.get(`${key}|${r.step}`);
      if (blocks === undefined) continue;
      const window = rows.slice(since, i + 1).map((w) => num(w.loss));
      since = i + 1;
      const inner = Object.fromEntries(
        LAYER_QUANTITIES.map((q) => [q, finiteMean(blocks.map((b) => num(b[q])))]),
      ) as Record<(typeof LAYER_QUANTITIES)[number], number>;
      points.push({
        step: Number(r.step),
        meanRatio: num(r.meanRatio),
        predictedMeanRatio: num(r.predictedMeanRatio),
        predictedRetentionMeanRatio: num(r.predictedRetentionMeanRatio),
        ...inner,
        learningRate: num(r.learningRate),
        loss: num(r.loss),
        runningLoss: finiteMean(window),
      });
    }
    const r = rows[0];
    out.push({
      dataset: r.dataset,
      model: r.model ?? "mlp",
      correlation: Number(r.correlation),
      method: r.method,
      seed: Number(r.seed),
      points,
    });
  }
  return out;
}

/** Runs grouped by `key`, in first-seen order. */
export function groupRuns(
  runs: readonly TrackedRun[],
  key: (r: TrackedRun) => string,
): TrackedRun[][] {
  const groups = new Map<string, TrackedRun[]>();
  for (const r of runs) {
    const k = key(r);
    groups.set(k, [...groups.get(k) ?? [], r]);
  }
  return [...groups.values()];
}

/** The controls of the partial correlation of `q` with the ratio: the trend variables but `q`. */
function controlsFor(q: TrackedQuantity): TrackedQuantity[] {
  if (q === "learningRate") return ["runningLoss"];
  if (q === "loss" || q === "runningLoss") return ["learningRate"];
  return ["runningLoss", "learningRate"];
}

/** Per run: raw, first-difference and partial correlation of `q` with the measured ratio. */
export function runCorrelations(
  run: TrackedRun,
  q: TrackedQuantity,
): { raw: number; diff: number; partial: number } {
  const pts = run.points.filter((p) =>
    Number.isFinite(p.meanRatio) && Number.isFinite(p[q]) &&
    controlsFor(q).every((c) => Number.isFinite(p[c]))
  );
  const ratio = pts.map((p) => p.meanRatio);
  const values = pts.map((p) => p[q]);
  return {
    raw: pearson(ratio, values),
    diff: pearson(firstDifferences(ratio), firstDifferences(values)),
    partial: partialCorrelation(ratio, values, controlsFor(q).map((c) => pts.map((p) => p[c]))),
  };
}

/** Mean and 95% t-interval of the finite values (NaN bounds with fewer than 2). */
function interval(values: readonly number[]): string[] {
  const ci = tInterval(values.filter(Number.isFinite));
  return [ci.mean.toFixed(3), ci.low.toFixed(3), ci.high.toFixed(3)];
}

/**
 * Rows of `tracking.csv`: per data set, model and method, for each tracked quantity with
 * values, the mean and 95% t-interval over the runs (seeds x correlation levels) of its
 * correlation with the measured mean interior ratio over the measurement steps: raw
 * (`pearson*`), of first differences (`diff*`: do the step-to-step changes go together?) and
 * partial given the running loss and the learning rate (`partial*`; a constant rate drops
 * out; for the loss and the rate themselves, given the other one); for the two predictions
 * also the mean absolute error.
 */
export function trackingRows(runs: readonly TrackedRun[]): string[][] {
  const rows = [[
    "dataset",
    "model",
    "method",
    "quantity",
    "runs",
    "pearsonMean",
    "ci95Low",
    "ci95High",
    "diffMean",
    "diffCi95Low",
    "diffCi95High",
    "partialMean",
    "partialCi95Low",
    "partialCi95High",
    "meanAbsError",
  ]];
  for (const list of groupRuns(runs, (r) => `${r.dataset}|${r.model}|${r.method}`)) {
    for (const q of TRACKED) {
      if (!list.some((r) => r.points.some((p) => Number.isFinite(p[q])))) continue;
      const rs = list.map((r) => runCorrelations(r, q));
      const mae = q.startsWith("predicted")
        ? finiteMean(list.flatMap((r) => r.points.map((p) => Math.abs(p[q] - p.meanRatio))))
        : NaN;
      rows.push([
        list[0].dataset,
        list[0].model,
        list[0].method,
        q,
        String(rs.filter((r) => Number.isFinite(r.raw)).length),
        ...interval(rs.map((r) => r.raw)),
        ...interval(rs.map((r) => r.diff)),
        ...interval(rs.map((r) => r.partial)),
        Number.isFinite(mae) ? mae.toFixed(4) : "",
      ]);
    }
  }
  return rows;
}

/** A model of the log measured ratio in the held-out test. */
interface HeldOutModel {
  readonly name: string;
  /** Regressors (besides an intercept) fitted on the fit seeds; none: `fixed` alone. */
  readonly regressors: readonly ((p: TrackedPoint) => number)[];
  /** A prediction with no fitted parameter (the theory's), instead of regressors. */
  readonly fixed?: (p: TrackedPoint) => number;
}

const TREND = [
  (p: TrackedPoint) => p.runningLoss,
  (p: TrackedPoint) => p.learningRate,
  (p: TrackedPoint) => p.step,
];
const LOG_FACTOR = (p: TrackedPoint) => Math.log(p.unitCorrelationFactor);
const LOG_RETENTION = (p: TrackedPoint) => Math.log(p.predictedRetentionMeanRatio);

/** The models compared, in the order of `heldout.csv`. */
const HELD_OUT_MODELS: readonly HeldOutModel[] = [
  { name: "trend (running loss + rate + step)", regressors: TREND },
  { name: "trend + unit correlation", regressors: [...TREND, LOG_FACTOR] },
  { name: "trend + retention prediction", regressors: [...TREND, LOG_RETENTION] },
  {
    name: "trend + retention prediction + unit correlation",
    regressors: [...TREND, LOG_RETENTION, LOG_FACTOR],
  },
  { name: "theory: retention prediction (no fit)", regressors: [], fixed: LOG_RETENTION },
  {
    name: "theory: measured-variance prediction (no fit)",
    regressors: [],
    fixed: (p) => Math.log(p.predictedMeanRatio),
  },
];

/**
 * Rows of `heldout.csv`: per data set, model and method, each model of `log(meanRatio)` over
 * the measurement steps fitted (least squares) on the runs of the first half of the seeds
 * (rounded up) and scored on the other seeds' runs: the out-of-sample `R^2` (1 - squared error
 * / the held-out points' variance around their own mean) and RMSE, and the fitted
 * coefficient of `log(unitCorrelationFactor)` where the model has it (the derivation's is
 * -1/2: `r^2` goes as `1 / s^2`). A quantity carries information about the ratio beyond the
 * shared time trend when adding it raises the held-out `R^2` of the trend model. Groups with
 * fewer than 2 seeds, and models whose quantities are missing (a ResNet has no measures), are
 * left out.
 */
export function heldOutRows(runs: readonly TrackedRun[]): string[][] {
  const rows = [[
    "dataset",
    "model",
    "method",
    "fitSeeds",
    "testSeeds",
    "predictor",
    "fitPoints",
    "testPoints",
    "heldOutR2",
    "heldOutRmse",
    "unitCorrelationCoefficient",
  ]];
  for (const list of groupRuns(runs, (r) => `${r.dataset}|${r.model}|${r.method}`)) {
    const seeds = [...new Set(list.map((r) => r.seed))].sort((a, b) => a - b);
    if (seeds.length < 2) continue;
    const fitSeeds = seeds.slice(0, Math.ceil(seeds.length / 2));
    const inFit = (r: TrackedRun) => fitSeeds.includes(r.seed);
    for (const m of HELD_OUT_MODELS) {
      const usable = (p: TrackedPoint) =>
        Number.isFinite(Math.log(p.meanRatio)) &&
        m.regressors.every((f) => Number.isFinite(f(p))) &&
        (m.fixed === undefined || Number.isFinite(m.fixed(p)));
      const fit = list.filter(inFit).flatMap((r) => r.points.filter(usable));
      const test = list.filter((r) => !inFit(r)).flatMap((r) => r.points.filter(usable));
      if (fit.length < m.regressors.length + 2 || test.length < 2) continue;
      const y = (ps: readonly TrackedPoint[]) => ps.map((p) => Math.log(p.meanRatio));
      let predict: (p: TrackedPoint) => number;
      let coefficient = NaN;
      if (m.fixed !== undefined) {
        predict = m.fixed;
      } else {
        const beta = leastSquares(m.regressors.map((f) => fit.map(f)), y(fit));
        predict = (p) => m.regressors.reduce((s, f, k) => s + beta[k + 1] * f(p), beta[0]);
        if (m.regressors.includes(LOG_FACTOR)) {
          coefficient = beta[m.regressors.indexOf(LOG_FACTOR) + 1];
        }
      }
      const observed = y(test);
      const center = mean(observed);
      let sse = 0, sst = 0;
      test.forEach((p, i) => {
        sse += (observed[i] - predict(p)) ** 2;
        sst += (observed[i] - center) ** 2;
      });
      rows.push([
        list[0].dataset,
        list[0].model,
        list[0].method,
        fitSeeds.join(" "),
        seeds.filter((s) => !fitSeeds.includes(s)).join(" "),
        m.name,
        String(fit.length),
        String(test.length),
        (1 - sse / sst).toFixed(3),
        Math.sqrt(sse / test.length).toFixed(4),
        Number.isFinite(coefficient) ? coefficient.toFixed(3) : "",
      ]);
    }
  }
  return rows;
}
