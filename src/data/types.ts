/**
 * The in-memory form every data source is loaded into.
 *
 * @module
 */

/** One split (train or test) of a classification data set, held on the CPU. */
export interface Split {
  /** Samples, flattened in NHWC order, already scaled to floats (see the loader's doc). */
  readonly x: Float32Array;
  /** Class labels, one per sample, in [0, numClasses). */
  readonly y: Int32Array;
  /** Number of samples. */
  readonly count: number;
  /** Shape of one sample: `[height, width, channels]` for images, `[features]` otherwise. */
  readonly sampleShape: readonly number[];
}

/** A classification data set with its train and test splits. */
export interface Dataset {
  /** Short name used in CSV rows: one of `DATASETS` (`by_name.ts`). */
  readonly name: string;
  /** Training split. */
  readonly train: Split;
  /** Test split. */
  readonly test: Split;
  /** Validation split held out of the training set (see `validation.ts`), when there is one. */
  readonly validation?: Split;
  /** Number of classes. */
  readonly numClasses: number;
  /** Where the data came from (a path, or a description of the generator), for `meta.json`. */
  readonly source: string;
}
