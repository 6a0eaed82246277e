/**
 * Output checks create nothing: a refused grid or merge leaves no empty folder behind, and
 * the results root itself is refused as an output folder.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { assertOneLine, cli, inResults, ROOT } from "./_test_cli.ts";
import { checkOutDir, checkOutFile } from "./out_dir.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("checkOutDir and checkOutFile check without creating anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await checkOutDir("grid", "out", `${dir}/a/b`);
    assertEquals(await exists(`${dir}/a`), false);
    await checkOutFile("reproduce", "out", `${dir}/c/d.csv`);
    assertEquals(await exists(`${dir}/c`), false);
    await Deno.writeTextFile(`${dir}/f`, "");
    await rejects(checkOutDir("grid", "out", `${dir}/f/x`), /is under the file/);
    await rejects(checkOutDir("grid", "out", `${dir}/f`), /is a file; expected a folder/);
    await rejects(checkOutFile("reproduce", "out", dir), /is a folder; expected a file path/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--out results (the results root) is refused", async () => {
  for (const out of ["results", "results/", "./results"]) {
    assertOneLine(
      await cli("merge", ["--out", out, "results/smoke"]),
      "merge",
      2,
      /--out: ".*results\/?" is the results root, which holds every grid's folder/,
    );
  }
});

Deno.test("a refused grid or merge leaves no --out folder behind", async () => {
  await inResults(async (dir) => {
    // The backend cannot start: refused after the output checks.
    const grid = await cli("grid", [
      "--preset",
      "smoke",
      "--backend",
      "tensorflow",
      "--out",
      `${dir}/g`,
    ]);
    assertEquals(grid.code, 2, grid.stderr);
    assertEquals(await exists(`${ROOT}${dir}/g`), false, "grid left its --out");
    // Not a shard: refused after the output checks.
    const merge = await cli("merge", ["--out", `${dir}/m`, "results/smoke"]);
    assertEquals(merge.code, 1, merge.stderr);
    assertEquals(await exists(`${ROOT}${dir}/m`), false, "merge left its --out");
  });
});
