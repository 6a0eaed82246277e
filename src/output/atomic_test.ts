import assert from "node:assert/strict";
import { appendDurably, writeFileAtomic } from "./atomic.ts";

Deno.test("writeFileAtomic replaces a file whole and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/layers.csv`;
  await writeFileAtomic(path, "old\n".repeat(1000));
  await writeFileAtomic(path, "new\n");
  assert.equal(await Deno.readTextFile(path), "new\n");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["layers.csv"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic into a missing folder throws and creates nothing", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(writeFileAtomic(`${dir}/gone/steps.csv`, "x"), Deno.errors.NotFound);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic over a folder fails and keeps the folder and no temporary file", async () => {
  // rename(2) cannot replace a non-empty directory with a file: the write fails after the
  // temporary file is complete, which is the case where a plain write would leave debris.
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/plot.png`);
  await Deno.writeTextFile(`${dir}/plot.png/keep`, "k");
  await assert.rejects(writeFileAtomic(`${dir}/plot.png`, new Uint8Array([1, 2, 3])));
  assert.equal(await Deno.readTextFile(`${dir}/plot.png/keep`), "k");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["plot.png"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("appendDurably appends, and an empty text creates no file", async () => {
  const dir = await Deno.makeTempDir();
  await appendDurably(`${dir}/none.csv`, "");
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await appendDurably(`${dir}/runs.csv`, "a\n");
  await appendDurably(`${dir}/runs.csv`, "b\n");
  assert.equal(await Deno.readTextFile(`${dir}/runs.csv`), "a\nb\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a full disk names the file being written, for appends and whole files", async () => {
  // A full disk, as Deno reports it: a write on an open file fails naming no file. (/dev/full
  // would need --allow-all.)
  const write = Deno.FsFile.prototype.write;
  Deno.FsFile.prototype.write = () =>
    Promise.reject(
      Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" }),
    );
  const dir = await Deno.makeTempDir();
  try {
    for (const save of [appendDurably, writeFileAtomic]) {
      const path = `${dir}/runs.csv`;
      await assert.rejects(
        save(path, "a row\n"),
        (e: Error & { code?: string }) =>
          e.message === `No space left on device (os error 28), writing ${path}` &&
          e.code === "ENOSPC",
      );
    }
  } finally {
    Deno.FsFile.prototype.write = write;
    await Deno.remove(dir, { recursive: true });
  }
});
