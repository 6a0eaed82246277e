/**
 * CIFAR-10 (Krizhevsky 2009) from its binary version (`cifar-10-batches-bin`).
 *
 * Each record is 1 label byte (0-9) followed by 3072 pixel bytes: the 1024 red, then the
 * 1024 green, then the 1024 blue values of a 32x32 image (channel-planar, CHW). The loader
 * converts them to the project's NHWC layout (`[32, 32, 3]`) and scales each channel as
 * `(p / 255 - CIFAR10_MEAN[c]) / CIFAR10_STD[c]`, the per-channel training-set statistics
 * commonly published for CIFAR-10.
 *
 * @module
 */
import { join } from "node:path";
import type { Dataset, Split } from "./types.ts";

/** Default directory when neither `dataDir` nor `CIFAR10_DIR` is set. */
export const DEFAULT_CIFAR10_DIR = "data/cifar-10-batches-bin";
/** Per-channel (RGB) mean of the training pixels scaled to [0, 1]. */
export const CIFAR10_MEAN: readonly number[] = [0.4914, 0.4822, 0.4465];
/** Per-channel (RGB) standard deviation of the training pixels scaled to [0, 1]. */
export const CIFAR10_STD: readonly number[] = [0.2470, 0.2435, 0.2616];
/** Training batch file names, in order. */
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) =>
  `data_batch_${i}.bin`
);
/** Test batch file name. */
export const CIFAR10_TEST_FILE = "test_batch.bin";

const CLASSES = 10;
const PIXELS = 32 * 32;
const RECORD = 1 + 3 * PIXELS;

/**
 * Decodes one CIFAR-10 binary batch into a split. `source` names the file in errors.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { decodeCifarBatch } from "./cifar10.ts";
 * const bytes = new Uint8Array(3073); // one all-black image of class 0
 * const split = decodeCifarBatch(bytes, "memory");
 * assertEquals([split.count, split.sampleShape], [1, [32, 32, 3]]);
 * ```
 */
export function decodeCifarBatch(bytes: Uint8Array, source: string): Split {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(
      `${source}: size ${bytes.length} bytes is not a positive multiple of the ${RECORD}-byte ` +
        `CIFAR-10 record (1 label + 3072 pixels); the file is truncated or not a CIFAR-10 batch`,
    );
  }
  const count = bytes.length / RECORD;
  const y = new Int32Array(count);
  const x = new Float32Array(count * 3 * PIXELS);
  const tables = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    for (let p = 0; p < 256; p++) t[p] = (p / 255 - CIFAR10_MEAN[c]) / CIFAR10_STD[c];
    return t;
  });
  for (let n = 0; n < count; n++) {
    const base = n * RECORD;
    const label = bytes[base];
    if (label >= CLASSES) {
      throw new Error(`${source}: label ${label} of record ${n} is out of range [0, ${CLASSES})`);
    }
    y[n] = label;
    const out = n * 3 * PIXELS;
    for (let c = 0; c < 3; c++) {
      const plane = base + 1 + c * PIXELS;
      const table = tables[c];
      for (let p = 0; p < PIXELS; p++) x[out + 3 * p + c] = table[bytes[plane + p]];
    }
  }
  return { x, y, count, sampleShape: [32, 32, 3] };
}

function concatSplits(splits: Split[]): Split {
  const count = splits.reduce((s, p) => s + p.count, 0);
  const x = new Float32Array(count * 3 * PIXELS);
  const y = new Int32Array(count);
  let at = 0;
  for (const s of splits) {
    x.set(s.x, at * 3 * PIXELS);
    y.set(s.y, at);
    at += s.count;
  }
  return { x, y, count, sampleShape: [32, 32, 3] };
}

async function readBatch(path: string): Promise<Split> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read CIFAR-10 batch (${(err as Error).message}). Download the binary ` +
        `version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and ` +
        `set dataDir or CIFAR10_DIR to its cifar-10-batches-bin directory`,
    );
  }
  return decodeCifarBatch(bytes, path);
}

/**
 * Loads CIFAR-10 from `dataDir` (default: `CIFAR10_DIR`, else {@link DEFAULT_CIFAR10_DIR}):
 * the five training batches and the test batch.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10 } from "./cifar10.ts";
 * // A stand-in folder: one all-black image of class 0 per batch file.
 * const dir = await Deno.makeTempDir();
 * for (const f of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) await Deno.writeFile(`${dir}/${f}`, new Uint8Array(3073));
 * const data = await loadCifar10({ dataDir: dir });
 * assertEquals([data.train.count, data.test.count, data.train.sampleShape], [5, 1, [32, 32, 3]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCifar10(options: { dataDir?: string } = {}): Promise<Dataset> {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("CIFAR10_DIR") || undefined;
  } catch {
    fromEnv = undefined; // no --allow-env: behave as if unset
  }
  const dir = options.dataDir ?? fromEnv ?? DEFAULT_CIFAR10_DIR;
  // An empty path would read the current folder, hiding the typo.
  if (dir.trim() === "") {
    throw new Error(
      `dataDir: "${dir}" is not allowed; expected the cifar-10-batches-bin folder`,
    );
  }
  // one file after the other, so a missing or bad file is always reported as the first one
  const parts: Split[] = [];
  for (const f of CIFAR10_TRAIN_FILES) parts.push(await readBatch(join(dir, f)));
  const train = concatSplits(parts);
  const test = await readBatch(join(dir, CIFAR10_TEST_FILE));
  return { name: "cifar10", train, test, numClasses: CLASSES, source: dir };
}
