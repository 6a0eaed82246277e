/**
 * The model families a grid may name. `ModelKind` in src/models/types.ts is a type only;
 * validation needs the values, so they are listed here and checked against that type.
 *
 * @module
 */
import type { ModelKind } from "../models/types.ts";

/** Every {@link ModelKind}; the `satisfies` clause fails to compile if the two drift apart. */
export const MODEL_KINDS = ["mlp", "cnn", "resnet"] as const satisfies readonly ModelKind[];
