import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { decodeIdx, encodeIdx, isGzip } from "./idx.ts";

Deno.test("encodeIdx/decodeIdx round-trip, plain and gzip", () => {
  const data = new Uint8Array(2 * 3 * 4).map((_, i) => i * 7);
  for (const gzip of [false, true]) {
    const bytes = encodeIdx([2, 3, 4], data, { gzip });
    assert.equal(isGzip(bytes), gzip);
    const out = decodeIdx(bytes, "mem");
    assert.deepEqual(out.dims, [2, 3, 4]);
    assert.deepEqual(out.data, data);
  }
});

Deno.test("decodeIdx names the file and the problem", () => {
  const good = encodeIdx([4], new Uint8Array([1, 2, 3, 4]));
  const badMagic = good.slice();
  badMagic[2] = 0x0d; // float type
  assert.throws(() => decodeIdx(badMagic, "f.idx"), /f\.idx: bad IDX magic 00 00 0d 01/);
  assert.throws(
    () => decodeIdx(good.subarray(0, good.length - 1), "t.idx"),
    /t\.idx: IDX dims \[4\] need 4 data bytes, file has 3 \(truncated\)/,
  );
  assert.throws(() => decodeIdx(new Uint8Array([0, 0, 8, 2, 0]), "h.idx"), /h\.idx: .*truncated/);
  const gz = gzipSync(good);
  assert.throws(() => decodeIdx(gz.subarray(0, 12), "z.gz"), /z\.gz: gzip data is corrupt/);
  assert.throws(() => encodeIdx([3], new Uint8Array(2)), /data has 2 bytes but dims \[3\] need 3/);
});
