import assert from "node:assert/strict";
import { rowBlocks } from "./webgpu_blocked.ts";

Deno.test("rowBlocks: every row once, no block empty, at most 256, channels fit a workgroup", () => {
  for (const n of [1, 2, 255, 256, 1000, 1152, 32769, 65536, 100_352, 1_048_576, 16_777_216]) {
    for (const c of [1, 3, 16, 64, 255, 256, 257, 1024]) {
      for (const rowsPerThread of [1, 16]) {
        const cut = rowBlocks(n, c, rowsPerThread);
        const at = `n ${n}, c ${c}, rowsPerThread ${rowsPerThread}: ${JSON.stringify(cut)}`;
        assert.ok(cut.blocks >= 1 && cut.blocks <= 256, at);
        // every block starts below n (none empty) and the last ends at or past n
        assert.ok((cut.blocks - 1) * cut.rowsPerBlock < n, at);
        assert.ok(cut.blocks * cut.rowsPerBlock >= n, at);
        assert.ok(cut.channelsPerGroup * cut.lanes <= 256 && cut.lanes >= 1, at);
        assert.ok(cut.channelGroups * cut.channelsPerGroup >= c, at);
        assert.ok((cut.channelGroups - 1) * cut.channelsPerGroup < c, at);
        // no more blocks than rowsPerThread rows a thread asks for
        assert.ok(cut.blocks <= Math.ceil(n / (cut.lanes * rowsPerThread)), at);
      }
    }
  }
});
