import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../src/backend/backend.ts";
import { summaryTable, timeWorkload, WORKLOADS } from "./backend_workloads.ts";

Deno.test("the reference workloads are S1, W1 and W2, and S1 steps without leaking", async () => {
  assertEquals([...WORKLOADS], ["S1", "W1", "W2"]);
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const samplesPerSec = await timeWorkload("S1", 1);
  assert(samplesPerSec > 0 && Number.isFinite(samplesPerSec), `${samplesPerSec}`);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("the summary table gives ms per step, the peer's winning layout and the ratio", () => {
  const layouts = [
    { torchThreads: 1, blasThreads: 1, samplesPerSec: 20000, msPerStep: 6.4 },
    { torchThreads: 1, blasThreads: 2, samplesPerSec: 25600, msPerStep: 5 },
  ];
  const table = summaryTable({
    S1: {
      tfjsSamplesPerSec: 6400, // batch 128: 20 ms per step
      torch: { msPerStep: 5, best: { torchThreads: 1, blasThreads: 2 }, layouts },
      ratioVsTorch: 0.25,
    },
    W1: {
      tfjsSamplesPerSec: 5120, // batch 256: 50 ms per step
      kernelsPerStep: 195,
      unfused: { samplesPerSec: 2560, kernelsPerStep: 1133, fusedSpeedup: 2 },
      torch: "ModuleNotFoundError: No module named 'torch'",
    },
  }).split("\n");
  assertEquals(
    table[2],
    "| S1 | - | 20.00 | - | 5.00 | **1x2** (all, ms: 1x1 6.4, 1x2 5.0) | **0.25x** |",
  );
  assertEquals(
    table[3],
    "| W1 | 195 | 50.00 | 100.00 (1133) | - | failed: ModuleNotFoundError: No module named 'torch' | - |",
  );
  assertEquals(table.length, 4); // W2 absent from the report: no row
});

Deno.test("bench:workloads refuses a bad --threads in one line", async () => {
  const script = new URL("./backend_workloads.ts", import.meta.url).pathname;
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--allow-env", script, "--threads", "0", "--no-peer"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assertEquals(out.code, 2);
  assertEquals(
    stderr,
    'bench:workloads: --threads: "0" is not allowed; expected an integer in [1, 1024]',
  );
});
