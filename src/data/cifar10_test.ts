import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CIFAR10_MEAN,
  CIFAR10_STD,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  decodeCifarBatch,
  loadCifar10,
} from "./cifar10.ts";

/** A record whose pixel (r, c) of channel ch has value (ch * 50 + r + c) % 256. */
function record(label: number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let ch = 0; ch < 3; ch++) {
    for (let p = 0; p < 1024; p++) rec[1 + ch * 1024 + p] = (ch * 50 + (p >> 5) + (p & 31)) % 256;
  }
  return rec;
}

function batch(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => out.set(record(l), i * 3073));
  return out;
}

Deno.test("decodeCifarBatch converts CHW planes to normalized HWC", () => {
  const split = decodeCifarBatch(batch([3, 9]), "mem");
  assert.equal(split.count, 2);
  assert.deepEqual([...split.y], [3, 9]);
  assert.deepEqual(split.sampleShape, [32, 32, 3]);
  for (const [r, c, ch] of [[0, 0, 0], [5, 7, 1], [31, 31, 2], [2, 30, 0]]) {
    const raw = (ch * 50 + r + c) % 256;
    const want = (raw / 255 - CIFAR10_MEAN[ch]) / CIFAR10_STD[ch];
    const got = split.x[3072 + (r * 32 + c) * 3 + ch]; // second image
    assert.ok(Math.abs(got - want) < 1e-6, `(${r},${c},${ch}) ${got} vs ${want}`);
  }
});

Deno.test("loadCifar10 reads the six batch files from a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [i, f] of CIFAR10_TRAIN_FILES.entries()) {
      await Deno.writeFile(join(dir, f), batch([i, (i + 1) % 10]));
    }
    await Deno.writeFile(join(dir, CIFAR10_TEST_FILE), batch([7, 8, 9]));
    const data = await loadCifar10({ dataDir: dir });
    assert.equal(data.name, "cifar10");
    assert.equal(data.source, dir);
    assert.equal(data.train.count, 10);
    assert.deepEqual([...data.train.y], [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    assert.equal(data.train.x.length, 10 * 3072);
    assert.deepEqual([...data.test.y], [7, 8, 9]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad CIFAR-10 files fail with the file and the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(
      () => decodeCifarBatch(batch([1]).subarray(0, 3000), "short.bin"),
      /short\.bin: size 3000 bytes is not a positive multiple of the 3073-byte/,
    );
    assert.throws(
      () => decodeCifarBatch(batch([1, 10]), "lab.bin"),
      /lab\.bin: label 10 of record 1 is out of range \[0, 10\)/,
    );
    await assert.rejects(
      () => loadCifar10({ dataDir: dir }),
      (err: Error) =>
        err.message.includes(join(dir, "data_batch_1.bin")) &&
        err.message.includes("cannot read CIFAR-10 batch"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
