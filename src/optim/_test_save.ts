/**
 * Test helper for the tfjs-layers round trips: saves a model with its optimizer
 * (`includeOptimizer: true`) into memory, where `tf.io.fromMemory` loads it back. Tests only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** The artifacts `m.save` writes with `includeOptimizer: true`, kept in memory. */
export async function saveWithOptimizer(m: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
      });
    }),
    { includeOptimizer: true },
  );
  return saved!;
}
