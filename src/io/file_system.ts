/**
 * A tf.js IOHandler that saves a model to, and loads it from, a folder on disk under Deno.
 *
 * Why: tf.js's `file://` handler comes with `@tensorflow/tfjs-node`, which Deno does not load
 * (its install downloads libtensorflow), so under Deno `model.save("file://...")` fails with
 * "Cannot find any save handlers". This handler writes what tfjs-node writes: `model.json`
 * (topology, training config, weights manifest) and one `weights.bin`, readable by
 * `tf.loadLayersModel` there too. It uses only `Deno.readFile`/`Deno.writeFile`, so it needs
 * `--allow-read` to load and `--allow-write` to save.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The tf.js type of a model save/load handler (`tf.io.IOHandler`). */
export type IOHandler = tf.io.IOHandler;

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

/**
 * An IOHandler for the folder `dir`: `save` writes `dir/model.json` and `dir/weights.bin`
 * (creating `dir`), `load` reads them back. Pass it where tf.js takes a URL:
 * `model.save(fileSystem(dir))`, `tf.loadLayersModel(fileSystem(dir))`. A model compiled with
 * one of this package's optimizers is saved with it (`includeOptimizer: true`); loading it
 * needs the optimizer classes registered, which importing `@lalc/large-batch` does.
 *
 * @example Save a model with its LALC state and load it back
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { fileSystem, lalc } from "@lalc/large-batch"; // the import registers LALC for loading
 *
 * await tf.setBackend("cpu");
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
 * model.compile({ optimizer: lalc({ learningRate: 0.1 }), loss: "meanSquaredError" });
 * await model.fit(tf.ones([4, 3]), tf.zeros([4, 2]), { epochs: 1, verbose: 0 });
 * const dir = await Deno.makeTempDir();
 * await model.save(fileSystem(dir), { includeOptimizer: true });
 * const loaded = await tf.loadLayersModel(fileSystem(dir));
 * assertEquals(loaded.optimizer.getClassName(), "LALC");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function fileSystem(dir: string): IOHandler {
  const modelPath = `${dir}/${MODEL_JSON}`;
  const weightsPath = `${dir}/${WEIGHTS_BIN}`;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const topology = artifacts.modelTopology;
      if (topology === undefined || topology instanceof ArrayBuffer) {
        throw new Error(`fileSystem(${dir}): only a JSON model topology can be saved`);
      }
      const weights = artifacts.weightData === undefined
        ? new Uint8Array(0)
        : new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) {
        modelJson.trainingConfig = artifacts.trainingConfig;
      }
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) {
        modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      }
      if (artifacts.modelInitializer !== undefined) {
        modelJson.modelInitializer = artifacts.modelInitializer;
      }
      await Deno.mkdir(dir, { recursive: true });
      // Weights first: a model.json on disk always has its weights beside it.
      await Deno.writeFile(weightsPath, weights);
      await Deno.writeTextFile(modelPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await Deno.readTextFile(modelPath));
      } catch (e) {
        if (e instanceof SyntaxError) {
          throw new Error(`fileSystem: ${modelPath} is not JSON: ${e.message}`);
        }
        throw e;
      }
      if (typeof modelJson !== "object" || modelJson === null || !modelJson.modelTopology) {
        throw new Error(`fileSystem: ${modelPath} has no modelTopology; not a tf.js model.json`);
      }
      return await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest.flatMap((group) => group.paths).map((p) => Deno.readFile(`${dir}/${p}`)),
        );
        const data = tf.io.CompositeArrayBuffer.join(
          buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
        );
        return [specs, data];
      });
    },
  };
}
