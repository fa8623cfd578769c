import { MsplitError } from "../errors.js";

/**
 * A key means sealed (docs/security.md): when a key is given, or sealed input is required, a
 * plaintext source is refused before anything is read or run. Each way of substituting
 * plaintext for a bundle has its own code.
 */

/** A plain model file (or any single file) where a sealed bundle is required. */
export class UnsealedModel extends MsplitError {
  static override code = "ERR_UNSEALED_MODEL" as const;
}

/** A directory of plain parts (plan.json, .onnx files) where a sealed bundle is required. */
export class UnsealedParts extends MsplitError {
  static override code = "ERR_UNSEALED_PARTS" as const;
}

/** A directory without a bundle header (and without plain parts) where a sealed bundle is required. */
export class BundleHeaderMissing extends MsplitError {
  static override code = "ERR_BUNDLE_NO_HEADER" as const;
}

/** A labels file that is not one label per line (empty lines, control characters). */
export class LabelsInvalid extends MsplitError {
  static override code = "ERR_LABELS_INVALID" as const;
}

/** A labels file whose line count is not the model's number of classes. */
export class LabelsMismatch extends MsplitError {
  static override code = "ERR_LABELS_MISMATCH" as const;
}
