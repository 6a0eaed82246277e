import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseCsv, toCsv } from "../output/csv.ts";
import {
  accuracyAxis,
  accuracySpec,
  curvesSpec,
  drawReport,
  layerRateSpec,
  sensitivitySpec,
} from "./report.ts";
import { summarizeCells } from "./select.ts";
import { readResults } from "./store.ts";
import { reportMain } from "./cli.ts";
import { SUMMARY_COLUMNS } from "./tables.ts";
import { copyResults } from "../cli/_test_cli.ts";
import { dropStabilityColumns } from "./_test_old_format.ts";

const SMOKE = new URL("../../results/smoke", import.meta.url).pathname;

/** The smoke folder's rows at one batch size: a grid shaped like `cnn` (depths 2 and 8). */
async function oneBatchRows() {
  const { rows } = await readResults(SMOKE);
  return rows.filter((r) => r.batchSize === 32);
}

Deno.test("a grid of one batch size plots accuracy along depth, ticks at the depths run", async () => {
  const cells = summarizeCells(await oneBatchRows());
  assertEquals(accuracyAxis(cells), "depth");
  const spec = accuracySpec(cells, "t", "depth") as unknown as {
    data: { values: { x: number; panel: string }[] };
    spec: { layer: { encoding: { x: { axis: { values: number[] }; title: string } } }[] };
  };
  assertEquals(spec.spec.layer[0].encoding.x.axis.values, [2, 8]);
  assertEquals(spec.spec.layer[0].encoding.x.title, "depth (layers)");
  assertEquals([...new Set(spec.data.values.map((v) => v.panel))], ["batch 32"]);
  // Each method sits beside its depth, within a third of the way to the next one.
  const xs = spec.data.values.map((v) => v.x);
  assert(xs.every((x) => Math.abs(x - 2) < 2 || Math.abs(x - 8) < 2), xs.join(" "));
});

Deno.test("accuracy plot: the methods' error bars at one batch size sit side by side", async () => {
  const { rows } = await readResults(SMOKE);
  const cells = summarizeCells(rows);
  const spec = accuracySpec(cells, "t") as unknown as {
    data: { values: { method: string; x: number; panel: string }[] };
  };
  for (const batch of [32, 512]) {
    const near = spec.data.values.filter((v) =>
      v.panel === "depth 8" && Math.abs(Math.log2(v.x / batch)) < 1
    );
    const methods = new Set(cells.map((c) => c.method));
    assertEquals(near.length, methods.size);
    // As many x positions as methods, in the methods' order, around the true size.
    const xs = near.map((v) => v.x);
    assertEquals(new Set(xs).size, methods.size);
    assertEquals([...xs].sort((a, b) => a - b), xs);
    assert(Math.min(...xs) < batch && Math.max(...xs) > batch, xs.join(" "));
  }
});

Deno.test("sensitivity plot: a diverged tuning run is a cross at 0 with a legend that says so", async () => {
  const { rows } = await readResults(SMOKE);
  const diverged = { ...rows.find((r) => r.phase === "tune")!, status: "diverged" as const };
  const spec = sensitivitySpec([diverged, ...rows], "t") as unknown as {
    title: { subtitle: string[] };
    data: { values: { accuracy: number; outcome: string }[] };
    spec: { layer: { encoding: { shape?: { scale: { domain: string[]; range: string[] } } } }[] };
  };
  const shape = spec.spec.layer[1].encoding.shape!;
  const crossed = spec.data.values.filter((v) =>
    shape.scale.range[shape.scale.domain.indexOf(v.outcome)] === "cross"
  );
  assertEquals(crossed.map((v) => v.accuracy), [0]);
  assert(/diverged, drawn at 0/.test(crossed[0].outcome));
  assert(!spec.title.subtitle.join(" ").includes("diverged = 0"));
});

Deno.test("training curves: the held-out seeds' mean and range, not the tuning seed", async () => {
  const { rows, curves } = await readResults(SMOKE);
  const spec = curvesSpec(rows, curves, "t") as unknown as {
    data: {
      values: { method: string; panel: string; epoch: number; mean: number; seeds: number }[];
    };
  };
  const heldOut = new Set(rows.filter((r) => r.phase === "seed").map((r) => r.runId));
  const tuning = new Set(rows.filter((r) => r.phase === "tune").map((r) => r.seed));
  const point = spec.data.values.find((v) =>
    v.method === "lalc" && v.panel === "depth 8, batch 512" && v.epoch === 3
  )!;
  const expected = curves.filter((c) =>
    heldOut.has(c.run_id) && c.method === "lalc" && c.depth === "8" && c.batch_size === "512" &&
    c.epoch === "3"
  );
  assert(expected.every((c) => !tuning.has(Number(c.seed))));
  assertEquals(point.seeds, expected.length);
  assert(point.seeds > 1);
  const mean = expected.reduce((a, c) => a + Number(c.val_accuracy), 0) / expected.length;
  assert(Math.abs(point.mean - mean) < 1e-12, `${point.mean} vs ${mean}`);
});

Deno.test("LALC layer rates: a log axis that ends near the data, a panel per layer", async () => {
  const { rows, layerRates } = await readResults(SMOKE);
  const spec = layerRateSpec(rows, layerRates, "t") as unknown as {
    data: { values: { ratio: number; panel: string }[] };
    facet: { field: string };
    spec: { encoding: { y: { scale: { domain: number[] } }; color: { field: string } } };
  };
  const max = Math.max(...spec.data.values.map((v) => v.ratio));
  assert(max <= 1 + 1e-6, `LALC rate above the global rate: ${max}`);
  const top = spec.spec.encoding.y.scale.domain[1];
  assert(top >= max && top < 2 * max, `axis top ${top} for a largest ratio of ${max}`);
  // Layers in panels of their own, so one at the ceiling cannot hide another.
  assertEquals(spec.facet.field, "panel");
  assertEquals(new Set(spec.data.values.map((v) => v.panel)).size, 9);
  assertEquals(spec.spec.encoding.color.field, "batch");
});

Deno.test("a grid of several batch sizes keeps the batch axis", async () => {
  const { rows } = await readResults(SMOKE);
  const cells = summarizeCells(rows);
  assertEquals(accuracyAxis(cells), "batch");
  const spec = accuracySpec(cells, "t") as unknown as {
    spec: { layer: { encoding: { x: { axis: { values: number[] } } } }[] };
  };
  assertEquals(spec.spec.layer[0].encoding.x.axis.values, [32, 512]);
});

/**
 * Copies `file` of the smoke folder into `dir`, keeping only the records `keep` accepts;
 * returns the records kept.
 */
async function copyCsvWhere(
  dir: string,
  file: string,
  keep: (r: Record<string, string>) => boolean,
): Promise<Record<string, string>[]> {
  const records = parseCsv(await Deno.readTextFile(`${SMOKE}/${file}`), file);
  const header = Object.keys(records[0]); // the columns in the file's order
  const kept = records.filter(keep);
  assert(kept.length > 0 && kept.length < records.length, `${file}: a proper subset`);
  await Deno.writeTextFile(
    `${dir}/${file}`,
    toCsv([header, ...kept.map((r) => header.map((h) => r[h]))]),
  );
  return kept;
}

Deno.test("drawReport names the one-batch plot accuracy_vs_depth", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${SMOKE}/meta.json`, `${dir}/meta.json`);
    const runs = await copyCsvWhere(dir, "runs.csv", (r) => r.batch_size === "32");
    // The store refuses curves of runs it does not have, so those follow the runs kept.
    const ids = new Set(runs.map((r) => r.run_id));
    for (const f of ["curves.csv", "layer_rates.csv"]) {
      await copyCsvWhere(dir, f, (r) => ids.has(r.run_id));
    }
    const files = await drawReport(dir);
    assertEquals(files.slice(0, 2), [
      `${dir}/accuracy_vs_depth.svg`,
      `${dir}/accuracy_vs_depth.png`,
    ]);
    assert(!files.some((f) => f.includes("accuracy_vs_batch")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `records` without the summary's stability column (a committed file may or may not have it). */
const withoutGrowth = (records: Record<string, string>[]) =>
  records.map(({ max_grad_norm_growth: _, ...rest }) => rest);

Deno.test("committed folders without the stability columns report, pass the protocol check, and keep their summary", async () => {
  const root = await Deno.makeTempDir();
  try {
    // The folders tuned on seed 1 (standard, re-made on 3 tuning seeds, has the tuning
    // columns a one-seed summary lacks).
    for (const name of ["smoke", "cnn"]) {
      // A copy, as the version before the stability columns wrote it (the committed folders
      // are such folders; the drop makes sure of it once they are re-made).
      const dir = await copyResults(name, root);
      await dropStabilityColumns(dir);
      const before = await Deno.readTextFile(`${dir}/summary.csv`);
      const claims = await Deno.readTextFile(`${dir}/claims.csv`);
      const printed: string[] = [];
      const log = console.log;
      console.log = (...m: unknown[]) => printed.push(m.join(" "));
      let code: number;
      try {
        code = await reportMain([dir, "--no-plots", "--check-protocol"]);
      } finally {
        console.log = log;
      }
      assertEquals(code, 0, printed.join("\n"));
      assert(printed.includes("protocol check passed"), printed.join("\n"));
      const after = await Deno.readTextFile(`${dir}/summary.csv`);
      assertEquals(after.split("\n")[0], SUMMARY_COLUMNS.join(","));
      // Every column as it was; the stability column added, empty: not recorded.
      assertEquals(withoutGrowth(parseCsv(after)), withoutGrowth(parseCsv(before)));
      assert(parseCsv(after).every((r) => r.max_grad_norm_growth === ""), name);
      if (!before.split("\n")[0].includes("max_grad_norm_growth")) {
        const [head, ...lines] = before.trimEnd().split("\n");
        assertEquals(
          after,
          [`${head},max_grad_norm_growth`, ...lines.map((l) => `${l},`)].join("\n") + "\n",
        );
      }
      assertEquals(await Deno.readTextFile(`${dir}/claims.csv`), claims);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sensitivity plot: rates tuned on several seeds draw their runs as points, the line as their mean", async () => {
  const { rows } = await readResults(SMOKE);
  type Spec = {
    title: { subtitle: string[] };
    spec: { layer: { encoding: { y: { aggregate?: string } } }[] };
  };
  const single = sensitivitySpec(rows, "t") as unknown as Spec;
  assertEquals(single.spec.layer[0].encoding.y.aggregate, undefined);
  assert(!single.title.subtitle[0].includes("mean"), single.title.subtitle[0]);
  // Seed 1's tuning runs again as seed 2 and 3, 0.01 apart: three runs per rate.
  const tune = rows.filter((r) => r.phase === "tune");
  const copies = [2, 3].flatMap((seed) =>
    tune.map((r) => ({
      ...r,
      seed,
      runId: `${r.runId}${seed}`,
      valAccuracy: r.valAccuracy + 0.01 * (seed - 1),
    }))
  );
  const averaged = sensitivitySpec([...rows, ...copies], "t") as unknown as Spec;
  assertEquals(averaged.spec.layer[0].encoding.y.aggregate, "mean");
  assertEquals(averaged.spec.layer[1].encoding.y.aggregate, undefined); // every run a point
  assert(averaged.title.subtitle[0].endsWith("(seed 1, 2, 3); line: their mean per rate"));
});
