/**
 * A worker module for tests whose setup fails, as a worker whose data cannot load would.
 * Tests only.
 *
 * @module
 */
import { serveWorker } from "./worker_pool.ts";

serveWorker(() => Promise.reject(new Error("no data here")));
