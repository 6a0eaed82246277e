/**
 * The worker module of `grid --workers N`: loads the backend (with the grid's threads per run
 * and kernel mode) and the grid's data set once, then trains the runs the parent sends it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import type { BackendName } from "../backend/backend.ts";
import { trainRun } from "../train/run.ts";
import { loadGridDataset } from "./data.ts";
import { optimizerKit } from "../methods/kit.ts";
import { serveWorker } from "./worker_pool.ts";

serveWorker(async (init) => {
  tf.enableProdMode(); // as startBackend does in the parent: no tf.js Node banner per worker
  await useBackend(init.backend as BackendName, {
    threads: init.threads,
    ...(init.kernelMode ? { kernels: init.kernelMode } : {}),
    ...(init.fused === undefined ? {} : { fused: init.fused }),
  });
  const dataset = await loadGridDataset(init.grid.dataset);
  return { ...init, dataset, runFn: trainRun, kit: optimizerKit };
});
