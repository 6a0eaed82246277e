import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseCsv, toCsv } from "../output/csv.ts";
import { accuracyAxis, accuracySpec, drawReport } from "./report.ts";
import { summarizeCells } from "./select.ts";
import { readResults } from "./store.ts";

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
  assertEquals([...new Set(spec.data.values.map((v) => v.x))].sort((a, b) => a - b), [2, 8]);
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
