/**
 * A worker module for tests whose backend breaks for good at the batch-64 runs of seed 2 (see
 * `abortingRunFn`), as a wasm worker does after an out-of-memory abort. Tests only.
 *
 * @module
 */
import { useBackend } from "../backend/backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { abortingRunFn, recordingKit } from "./_test_fakes.ts";
import { serveWorker } from "./worker_pool.ts";

serveWorker(async (init) => {
  await useBackend("cpu");
  return {
    ...init,
    dataset: makeSyntheticDataset({ trainCount: 128, testCount: 32 }),
    runFn: abortingRunFn((c) => c.batchSize === 64 && c.seed === 2, { delayMs: 5 }),
    kit: recordingKit([]),
  };
});
