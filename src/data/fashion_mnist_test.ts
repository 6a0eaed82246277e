import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeIdx } from "./idx.ts";
import {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  FASHION_MNIST_SUBSET_DIR,
  loadFashionMnist,
} from "./fashion_mnist.ts";

const fullInstalled = await Deno.stat(join(DEFAULT_FASHION_MNIST_DIR, "t10k-labels-idx1-ubyte.gz"))
  .then(() => true, () => false);

/** Writes a tiny valid data set (3 train, 2 test images) into `dir`; `gzip` per file. */
async function writeTiny(dir: string, gzip: boolean): Promise<void> {
  const img = (n: number) => new Uint8Array(n * 784).map((_, i) => i % 256);
  await Deno.writeFile(join(dir, "train-images-idx3-ubyte"), encodeIdx([3, 28, 28], img(3)));
  await Deno.writeFile(
    join(dir, "train-labels-idx1-ubyte.gz"),
    encodeIdx([3], new Uint8Array([0, 9, 4]), { gzip: true }),
  );
  await Deno.writeFile(
    join(dir, gzip ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte"),
    encodeIdx([2, 28, 28], img(2), { gzip }),
  );
  await Deno.writeFile(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([2], new Uint8Array([1, 2])));
}

async function withTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "full Fashion-MNIST: counts, shape, standardized pixels, subset is its prefix",
  ignore: !fullInstalled,
  fn: async () => {
    const data = await loadFashionMnist({ dataDir: DEFAULT_FASHION_MNIST_DIR });
    assert.equal(data.name, "fashion-mnist");
    assert.equal(data.train.count, 60_000);
    assert.equal(data.test.count, 10_000);
    assert.deepEqual(data.train.sampleShape, [28, 28, 1]);
    let m = 0, v = 0;
    for (const x of data.train.x) m += x;
    m /= data.train.x.length;
    for (const x of data.train.x) v += (x - m) ** 2;
    v /= data.train.x.length;
    assert.ok(Math.abs(m) < 1e-4 && Math.abs(v - 1) < 1e-4, `mean ${m}, variance ${v}`);
    const subset = await loadFashionMnist({ dataDir: FASHION_MNIST_SUBSET_DIR });
    assert.deepEqual(subset.test.x, data.test.x.subarray(0, 1000 * 784));
    assert.deepEqual(subset.train.y, data.train.y.subarray(0, 4000));
  },
});

Deno.test("falls back to the shipped subset only when allowed, and says so", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => loadFashionMnist({ dataDir: dir }),
      (e: Error) =>
        e.message.includes(`no Fashion-MNIST files in ${dir}`) &&
        e.message.includes("allowSubset: true"),
    );
    const notices: string[] = [];
    const data = await loadFashionMnist({
      dataDir: dir,
      allowSubset: true,
      warn: (m) => notices.push(m),
    });
    assert.equal(data.name, "fashion-mnist-subset");
    assert.equal(data.source, FASHION_MNIST_SUBSET_DIR);
    assert.equal(data.train.count, 4000);
    assert.equal(data.test.count, 1000);
    assert.equal(notices.length, 1);
    assert.match(notices[0], /using the shipped subset/);
    // the first training image of Fashion-MNIST is an ankle boot (label 9)
    assert.equal(data.train.y[0], 9);
    // every pixel value maps through the documented formula
    const black = (0 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD;
    assert.ok(Math.abs(data.train.x[0] - black) < 1e-6);
  });
});

Deno.test("reads plain and gzip files from dataDir and from FASHION_MNIST_DIR", async () => {
  await withTempDir(async (dir) => {
    await writeTiny(dir, true);
    const data = await loadFashionMnist({ dataDir: dir });
    assert.equal(data.name, "fashion-mnist");
    assert.deepEqual([...data.train.y], [0, 9, 4]);
    assert.equal(data.test.count, 2);
    const pixel = (5 / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD;
    assert.ok(Math.abs(data.test.x[5] - pixel) < 1e-6);
    Deno.env.set("FASHION_MNIST_DIR", dir);
    try {
      const viaEnv = await loadFashionMnist();
      assert.equal(viaEnv.source, dir);
      assert.deepEqual(viaEnv.test.x, data.test.x);
    } finally {
      Deno.env.delete("FASHION_MNIST_DIR");
    }
  });
});

Deno.test("bad files fail with the file and the problem", async () => {
  const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
    [
      "wrong magic",
      (d) =>
        Deno.writeFile(
          join(d, "t10k-labels-idx1-ubyte"),
          new Uint8Array([0, 0, 9, 1, 0, 0, 0, 2, 1, 2]),
        ),
      /t10k-labels-idx1-ubyte: bad IDX magic 00 00 09 01/,
    ],
    [
      "wrong dimensions",
      (d) =>
        Deno.writeFile(
          join(d, "train-images-idx3-ubyte"),
          encodeIdx([3, 28, 27], new Uint8Array(3 * 28 * 27)),
        ),
      /train-images-idx3-ubyte: images must have dims \[count, 28, 28\], got \[3, 28, 27\]/,
    ],
    [
      "truncated",
      async (d) => {
        const ok = encodeIdx([3, 28, 28], new Uint8Array(3 * 784));
        await Deno.writeFile(join(d, "train-images-idx3-ubyte"), ok.subarray(0, ok.length - 100));
      },
      /train-images-idx3-ubyte: IDX dims \[3, 28, 28\] need 2352 data bytes, file has 2252 \(truncated\)/,
    ],
    [
      "label out of range",
      (d) =>
        Deno.writeFile(join(d, "t10k-labels-idx1-ubyte"), encodeIdx([2], new Uint8Array([1, 12]))),
      /t10k-labels-idx1-ubyte: label 12 at index 1 is out of range \[0, 10\)/,
    ],
    [
      "count mismatch",
      (d) =>
        Deno.writeFile(
          join(d, "t10k-labels-idx1-ubyte"),
          encodeIdx([3], new Uint8Array([1, 2, 3])),
        ),
      /t10k-labels-idx1-ubyte: has 3 labels but .*t10k-images-idx3-ubyte\.gz has 2 images/,
    ],
    [
      "one file missing",
      (d) => Deno.remove(join(d, "train-labels-idx1-ubyte.gz")),
      /lacks train-labels-idx1-ubyte \(found the other files\)/,
    ],
  ];
  for (const [what, corrupt, pattern] of cases) {
    await withTempDir(async (dir) => {
      await writeTiny(dir, true);
      await corrupt(dir);
      await assert.rejects(
        () => loadFashionMnist({ dataDir: dir, allowSubset: true }),
        pattern,
        what,
      );
    });
  }
});
