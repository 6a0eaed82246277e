/**
 * A worker module for tests: the fake training function of `_fakes.ts` on a small synthetic
 * data set, on the cpu backend. Tests only.
 *
 * @module
 */
import { useBackend } from "../backend/backend.ts";
import { makeSyntheticDataset } from "../data/synthetic.ts";
import { fakeRunFn, recordingKit } from "./_test_fakes.ts";
import { serveWorker } from "./worker_pool.ts";

serveWorker(async (init) => {
  await useBackend("cpu");
  return {
    ...init,
    dataset: makeSyntheticDataset({ trainCount: 128, testCount: 32 }),
    runFn: fakeRunFn({ delayMs: 20 }),
    kit: recordingKit([]),
  };
});
