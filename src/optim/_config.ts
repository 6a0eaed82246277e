/**
 * The config <-> options mapping shared by the named optimizers: numbers and booleans are
 * stored as they are, the learning rate and `exclude` through their describable forms.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { type DescribedPredicate, excludeFromConfig, excludeToConfig } from "./exclude.ts";
import {
  type LearningRate,
  learningRateFromConfig,
  learningRateToConfig,
  type ScheduleConfig,
} from "./schedule.ts";
import type { VariablePredicate } from "./transform.ts";

/** The options that hold a tensor predicate (saved through its describable form). */
const PREDICATES: readonly string[] = ["exclude", "weightDecayMask", "trustRatioMask"];

type Plain = number | boolean | LearningRate | VariablePredicate | undefined;

/** Options -> ConfigDict; throws (naming the option) for a function that cannot be saved. */
export function optionsToConfig(
  owner: string,
  options: Record<string, Plain>,
): tf.serialization.ConfigDict {
  const config: tf.serialization.ConfigDict = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === "learningRate") {
      config[key] = learningRateToConfig(owner, value as LearningRate);
    } else if (PREDICATES.includes(key)) {
      config[key] = excludeToConfig(owner, value as VariablePredicate, key);
    } else {
      config[key] = value as number | boolean;
    }
  }
  return config;
}

/** ConfigDict -> options (inverse of {@link optionsToConfig}). */
export function optionsFromConfig(config: tf.serialization.ConfigDict): Record<string, unknown> {
  const options: Record<string, unknown> = { ...config };
  if (config.learningRate !== undefined) {
    options.learningRate = learningRateFromConfig(
      config.learningRate as unknown as number | ScheduleConfig,
    );
  }
  for (const key of PREDICATES) {
    if (config[key] === undefined) continue;
    options[key] = excludeFromConfig(config[key] as unknown as DescribedPredicate["config"]);
  }
  return options;
}
