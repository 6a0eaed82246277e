/**
 * `report` writes into a results folder only under the folder's lock: a folder a running
 * grid holds is refused, with nothing written.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { copyResults } from "../cli/_test_cli.ts";
import { reportMain } from "./cli.ts";
import { FolderLock } from "./lock.ts";

Deno.test("report refuses a folder a running grid holds, and writes nothing into it", async () => {
  const tmp = await Deno.makeTempDir();
  const dir = await copyResults("smoke", tmp);
  await Deno.remove(`${dir}/summary.csv`);
  await Deno.remove(`${dir}/claims.csv`);
  const printed: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (s: string) => printed.push(`out ${s}`);
  console.error = (s: string) => printed.push(`err ${s}`);
  const grid = await FolderLock.acquire(dir); // as a running grid holds it
  try {
    assertEquals(await reportMain([dir, "--no-plots"]), 1);
  } finally {
    grid.release();
    [console.log, console.error] = [log, error];
  }
  assertEquals(printed.length, 1, printed.join("\n"));
  assertEquals(
    printed[0].startsWith(
      `err report: ${dir} is being written by another process (pid ${Deno.pid}`,
    ),
    true,
    printed[0],
  );
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assertEquals(names.filter((n) => n === "summary.csv" || n === "claims.csv"), []);
  // Once the grid has let go, the report writes its tables.
  console.log = () => {};
  try {
    assertEquals(await reportMain([dir, "--no-plots"]), 0);
  } finally {
    console.log = log;
  }
  await Deno.stat(`${dir}/summary.csv`);
  await Deno.remove(tmp, { recursive: true });
});
