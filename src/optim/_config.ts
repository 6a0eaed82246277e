/**
 * The config <-> options mapping shared by the named optimizers: numbers, booleans and strings
 * are stored as they are, the learning rate and the masks through their describable forms.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { complementOfExclude, type MaskConfig, maskFromConfig, maskToConfig } from "./mask.ts";
import {
  type LearningRate,
  learningRateFromConfig,
  learningRateToConfig,
  type ScheduleConfig,
} from "./schedule.ts";
import type { VariablePredicate } from "./transform.ts";

/** The options that hold a tensor mask (saved through its describable form). */
const MASKS: readonly string[] = ["weightDecayMask", "trustRatioMask"];

type Plain = number | boolean | string | LearningRate | VariablePredicate | undefined;

/** Options -> ConfigDict; throws (naming the option) for a function that cannot be saved. */
export function optionsToConfig(
  owner: string,
  options: Record<string, Plain>,
): tf.serialization.ConfigDict {
  const config: tf.serialization.ConfigDict = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    // Unguarded optimizers write the config they wrote before the guard existed (momentum's
    // stays tf.train.momentum's keys).
    if (key === "nonFinite" && value === "apply") continue;
    if (key === "learningRate") {
      config[key] = learningRateToConfig(owner, value as LearningRate);
    } else if (MASKS.includes(key)) {
      config[key] = maskToConfig(owner, value as VariablePredicate, key);
    } else {
      config[key] = value as number | boolean | string;
    }
  }
  return config;
}

/**
 * ConfigDict -> options (inverse of {@link optionsToConfig}). A config saved with `exclude`
 * (true = skip, the option the two masks replaced) gives each mask it does not set the
 * complement of `exclude`, which is what `exclude` meant.
 */
export function optionsFromConfig(config: tf.serialization.ConfigDict): Record<string, unknown> {
  // tfjs-layers' deserializer adds its `customObjects` to every config it hands to fromConfig.
  const { exclude, customObjects: _, ...rest } = config;
  const options: Record<string, unknown> = { ...rest };
  if (config.learningRate !== undefined) {
    options.learningRate = learningRateFromConfig(
      config.learningRate as unknown as number | ScheduleConfig,
    );
  }
  const saved: Record<string, unknown> = { ...rest };
  if (exclude !== undefined) {
    const included = complementOfExclude(exclude as unknown as MaskConfig);
    for (const key of MASKS) saved[key] ??= included;
  }
  for (const key of MASKS) {
    if (saved[key] === undefined) continue;
    options[key] = maskFromConfig(saved[key] as MaskConfig);
  }
  return options;
}
