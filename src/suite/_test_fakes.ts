/**
 * Test doubles for the grid runner: a fake training function with deterministic, known
 * results, and (from src/methods, where the recipes are tested with it) a kit whose
 * optimizers record how they were built. Tests only.
 *
 * @module
 */
import type { RunConfig, RunResult } from "../train/types.ts";

export { type BuiltOptimizer, recordingKit } from "../methods/_test_recording_kit.ts";

/**
 * A training function with known results: accuracy 0.5 + 0.1 * (the rate's position in the
 * config's learning-rate order) + seed / 1000, `diverged` when the optimizer's first rate is
 * above `divergeAbove`, and a thrown error for batch size `throwAtBatch`.
 */
export function fakeRunFn(
  options: { divergeAbove?: number; throwAtBatch?: number; delayMs?: number } = {},
): (config: RunConfig) => Promise<RunResult> {
  return async (config) => {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (config.batchSize === options.throwAtBatch) throw new Error("boom in fake run");
    const optimizer = config.makeOptimizer(10, 5);
    const rate = (optimizer as unknown as { learningRate: number }).learningRate;
    optimizer.dispose();
    const diverged = options.divergeAbove !== undefined && rate > options.divergeAbove;
    const acc = 0.5 + Math.min(0.4, Math.log10(1 + rate * 10) / 5) + config.seed / 1000;
    return {
      status: diverged ? "diverged" : "ok",
      steps: 10,
      epochs: 2,
      finalTrainLoss: diverged ? NaN : 1 - acc,
      finalTestAccuracy: diverged ? NaN : acc,
      bestTestAccuracy: diverged ? NaN : acc,
      // Validation tracks test a little below it, so a test can tell which one was read.
      valAccuracy: diverged ? NaN : acc - 0.01,
      valSamples: 100,
      testSamples: 1000,
      stepsToTarget: null,
      maxGradNorm: diverged ? Infinity : 3,
      maxGradNormAfterFirst: diverged ? Infinity : 2.5,
      gradNormGrowth: diverged ? Infinity : 2.5 / 3,
      lossSpikes: 0,
      wallSeconds: 0.01,
      samplesPerSec: 1000,
      curve: [5, 10].map((step) => ({
        step,
        epoch: step / 5,
        learningRate: rate,
        trainLoss: 1 - acc,
        testAccuracy: step === 10 ? acc : NaN,
        valAccuracy: acc - 0.01,
        gradNorm: 3,
        layerGradNormMin: 1,
        layerGradNormMax: 2,
      })),
    };
  };
}

/**
 * {@link fakeRunFn}, except that a run `abortsAt` picks dies as a wasm out-of-memory abort
 * does, and leaves this instance broken: every later run of it dies the same way, as every
 * later run in a thread whose wasm heap was corrupted did (issue 23).
 */
export function abortingRunFn(
  abortsAt: (config: RunConfig) => boolean,
  options: { delayMs?: number } = {},
): (config: RunConfig) => Promise<RunResult> {
  const fake = fakeRunFn(options);
  let broken = false;
  return (config) => {
    if (broken || abortsAt(config)) {
      broken = true;
      return Promise.reject(new WebAssembly.RuntimeError("memory access out of bounds"));
    }
    return fake(config);
  };
}
