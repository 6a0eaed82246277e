/**
 * `derive-thresholds` and `gate-power` are commands of cli.ts: bad arguments are one line
 * with what is allowed, and a folder of another grid, or one that lacks cells, is refused
 * before any run and before the thresholds file is written.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { assertOneLine, cli, copyResults, inResults, ROOT } from "../cli/_test_cli.ts";
import { deriveThresholdsMain } from "./derive_thresholds.ts";
import { readThresholdsFile } from "./thresholds_file.ts";
import { SMALLEST_GRID_JSON } from "./_test_grid.ts";
import { parseCsv, toCsv } from "../output/csv.ts";

const COMMITTED = await Deno.readTextFile(`${ROOT}fixtures/thresholds.json`);

/** A results folder of a small grid that is not the smoke preset, under results/. */
async function otherGrid(dir: string): Promise<string> {
  await Deno.writeTextFile(`${ROOT}${dir}/tiny.json`, JSON.stringify(SMALLEST_GRID_JSON));
  const r = await cli("grid", [
    "--grid",
    `${dir}/tiny.json`,
    "--out",
    `${dir}/tiny`,
    "--backend",
    "cpu",
    "--workers",
    "1",
    "--no-plots",
  ]);
  assertEquals(r.code, 0, r.stderr);
  return `${dir}/tiny`;
}

/** Removes the rows of a CSV file that `drop` picks; returns their run ids. */
async function dropRows(
  path: string,
  drop: (row: Record<string, string>) => boolean,
): Promise<Set<string>> {
  const text = await Deno.readTextFile(path);
  const header = text.slice(0, text.indexOf("\n")).split(",");
  const kept: string[][] = [];
  const dropped = new Set<string>();
  for (const row of parseCsv(text, path)) {
    if (drop(row)) dropped.add(row.run_id);
    else kept.push(header.map((c) => row[c]));
  }
  await Deno.writeTextFile(path, toCsv([header, ...kept]));
  return dropped;
}

Deno.test("derive-thresholds: --help exits 0; bad arguments are one line", async () => {
  const help = await cli("derive-thresholds", ["--help"]);
  assertEquals(help.code, 0);
  ok(help.stdout.startsWith("usage: cli.ts derive-thresholds PRESET DIR..."));
  assertOneLine(
    await cli("derive-thresholds", ["smoke"]),
    "derive-thresholds",
    2,
    /missing argument/,
  );
  assertOneLine(
    await cli("derive-thresholds", ["nosuch", "results/smoke"]),
    "derive-thresholds",
    2,
    /PRESET "nosuch" is not allowed; expected one of smoke, /,
  );
  assertOneLine(
    await cli("derive-thresholds", ["smoke", "results/smoke", "--thresholds", "/tmp/t.json"]),
    "derive-thresholds",
    2,
    /--thresholds: "\/tmp\/t\.json" is outside what this command may write/,
  );
  assertOneLine(
    await cli("derive-thresholds", ["warmup-factorial", "results/smoke"]),
    "derive-thresholds",
    2,
    /PRESET warmup-factorial runs method variants \(lalc-warmup-2pct, /,
  );
});

Deno.test("derive-thresholds refuses another grid's folder and one that lacks cells", async () => {
  await inResults(async (dir) => {
    const tiny = await otherGrid(dir);
    assertOneLine(
      await cli("derive-thresholds", ["smoke", tiny]),
      "derive-thresholds",
      2,
      /folder .*tiny: its meta\.json names grid "tiny", so it is not of preset smoke/,
    );
    // A clean repeat of gate-power ran depth 2 only: its 10 cells would drop the other 10.
    assertOneLine(
      await cli("derive-thresholds", ["smoke", "results/gate_power/clean_1"]),
      "derive-thresholds",
      1,
      /lacks held-out runs of 10 of the smoke preset's 20 cells \(lalc batch 32 depth 8;/,
    );
  });
  assertEquals(await Deno.readTextFile(`${ROOT}fixtures/thresholds.json`), COMMITTED);
});

Deno.test("derive-thresholds writes every cell of the preset, keeping the other presets", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/thresholds.json`;
    await Deno.writeTextFile(path, COMMITTED);
    const smoke = await copyResults("smoke", dir);
    const log = console.log;
    console.log = () => {};
    try {
      assertEquals(await deriveThresholdsMain(["smoke", smoke, "--thresholds", path]), 0);
    } finally {
      console.log = log;
    }
    const written = await readThresholdsFile(path);
    assertEquals(written.presets.smoke.cells.length, 20);
    assertEquals(written.presets.cnn, JSON.parse(COMMITTED).presets.cnn);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gate-power: each bad argument is one line, before any run", async () => {
  const cases: [string[], number, RegExp][] = [
    [[], 2, /--ref DIR is required/],
    [["--preset", "nosuch", "--ref", "results/smoke"], 2, /--preset: "nosuch" is not allowed/],
    [["--ref", "results/nonexist"], 1, /results\/nonexist: no runs\.csv there/],
    [
      ["--ref", "results/smoke", "--clean-repeats", "-1"],
      2,
      /"-1" is not allowed; expected an integer >= 1/,
    ],
    [["--ref", "results/smoke", "--regression-repeats", "6"], 2, /expected an integer in \[1, 5\]/],
    [["--ref", "results/smoke", "--depths", "3"], 2, /expected depths of preset smoke: 2, 8/],
    [["--bogus"], 2, /unknown option "--bogus"/],
    [
      ["--preset", "ablation", "--ref", "results/smoke"],
      2,
      /--preset ablation runs method variants \(lalc-k0\.005, .*\); gate floors cover/,
    ],
    [["--ref", "results/smoke", "--out", "/tmp/gp"], 2, /--out: "\/tmp\/gp" is outside/],
    [["--ref", "results/smoke", "--out", "results"], 2, /"results" is the results root/],
    [
      ["--ref", "results/standard"],
      2,
      /--ref results\/standard: its meta\.json names grid "standard"/,
    ],
    [
      // A clean repeat of the gate measurement covers depth 2 only: not the preset's grid.
      ["--ref", "results/gate_power/clean_1"],
      2,
      /clean_1: its grid "smoke" has other settings than the preset/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli("gate-power", args);
    assertOneLine(r, "gate-power", code, message);
    assertEquals(r.stdout, "", `nothing measured: ${args.join(" ")}`);
  }
  await inResults(async (dir) => {
    // The preset's grid, but its depth-8 held-out runs are not there yet.
    const smoke = await copyResults("smoke", dir);
    const dropped = await dropRows(`${ROOT}${smoke}/runs.csv`, (row) => {
      return row.depth === "8" && row.phase === "seed";
    });
    ok(dropped.size > 0, "the copy lost its depth-8 held-out runs");
    for (const file of ["curves.csv", "layer_rates.csv"]) {
      await dropRows(`${ROOT}${smoke}/${file}`, (row) => dropped.has(row.run_id));
    }
    const r = await cli("gate-power", ["--ref", smoke]);
    assertOneLine(r, "gate-power", 1, /smoke: 10 cells of preset smoke have no held-out run/);
    assertEquals(r.stdout, "");
  });
  const help = await cli("gate-power", ["--help"]);
  assertEquals(help.code, 0);
  ok(help.stdout.startsWith("usage: cli.ts gate-power --ref DIR"));
});

Deno.test("gate-power refuses an --out that holds another grid's repeat before any run", async () => {
  await inResults(async (dir) => {
    const tiny = await otherGrid(dir);
    await Deno.rename(`${ROOT}${tiny}`, `${ROOT}${dir}/clean_1`);
    const r = await cli("gate-power", ["--ref", "results/smoke", "--out", dir]);
    assertOneLine(r, "gate-power", 1, /clean_1 holds results of a different grid \("tiny"/);
    let entries = 0;
    for await (const e of Deno.readDir(`${ROOT}${dir}`)) entries += e.name === "clean_0" ? 1 : 0;
    assertEquals(entries, 0, "clean_0 was not started");
  });
  assertEquals(await Deno.readTextFile(`${ROOT}fixtures/thresholds.json`), COMMITTED);
});
