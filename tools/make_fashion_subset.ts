/**
 * Writes the Fashion-MNIST subset shipped in `fixtures/fashion-mnist-subset/`: the first
 * `--train` training and `--test` test images and labels of the real files, unchanged, as
 * gzip IDX files (the same format as the originals).
 *
 * ```sh
 * deno run --allow-read --allow-write tools/make_fashion_subset.ts \
 *   --from /usr/share/datasets/fashion-mnist --to fixtures/fashion-mnist-subset \
 *   --train 4000 --test 1000
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { encodeIdx, readIdx } from "../src/data/idx.ts";
import { DEFAULT_FASHION_MNIST_DIR } from "../src/data/fashion_mnist.ts";

/**
 * Copies the first `count` records of an IDX file into a gzip IDX file.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { readIdx } from "../src/data/idx.ts";
 * import { writeIdxPrefix } from "./make_fashion_subset.ts";
 * const from = new URL("../fixtures/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz", import.meta.url).pathname;
 * const to = `${await Deno.makeTempDir()}/labels.gz`;
 * await writeIdxPrefix(from, to, 100);
 * assertEquals((await readIdx(to)).dims, [100]);
 * await Deno.remove(to);
 * ```
 */
export async function writeIdxPrefix(from: string, to: string, count: number): Promise<void> {
  const { dims, data } = await readIdx(from);
  if (!Number.isInteger(count) || count < 1 || count > dims[0]) {
    throw new Error(`count must be an integer in [1, ${dims[0]}] for ${from}, got ${count}`);
  }
  const recordBytes = data.length / dims[0];
  const outDims = [count, ...dims.slice(1)];
  await Deno.writeFile(
    to,
    encodeIdx(outDims, data.subarray(0, count * recordBytes), { gzip: true }),
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      from: { type: "string", default: DEFAULT_FASHION_MNIST_DIR },
      to: { type: "string", default: "fixtures/fashion-mnist-subset" },
      train: { type: "string", default: "4000" },
      test: { type: "string", default: "1000" },
    },
  });
  const counts = { train: Number(values.train), t10k: Number(values.test) };
  await Deno.mkdir(values.to, { recursive: true });
  for (const [prefix, count] of Object.entries(counts)) {
    for (const kind of ["images-idx3-ubyte", "labels-idx1-ubyte"]) {
      const name = `${prefix}-${kind}.gz`;
      await writeIdxPrefix(join(values.from, name), join(values.to, name), count);
      console.log(`wrote ${join(values.to, name)} (${count} records)`);
    }
  }
}
