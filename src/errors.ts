/**
 * msplit's errors: one base class with a stable `code`, one subclass per failure kind (as in jose).
 * Callers branch on `code`, never on the message; the CLI prints `code: message` on one line.
 */
export class MsplitError extends Error {
  static code = "ERR_MSPLIT";
  readonly code: string;
  /** 2 for usage errors (bad arguments), 1 for everything else. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = new.target.code;
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends MsplitError {
  static override code = "ERR_USAGE";
  override readonly exitCode = 2;
}

/** Not an ONNX model, truncated, or a graph that does not hold together. */
export class OnnxInvalid extends MsplitError {
  static override code = "ERR_ONNX_INVALID";
}

/** An operator or feature msplit cannot handle for the requested operation. */
export class OnnxUnsupported extends MsplitError {
  static override code = "ERR_ONNX_UNSUPPORTED";
}

/** Part count out of range for this graph. */
export class SplitInvalidParts extends MsplitError {
  static override code = "ERR_SPLIT_INVALID_PARTS";
  override readonly exitCode = 2;
}

/** An explicit cut that is not a valid boundary. */
export class SplitInvalidCut extends MsplitError {
  static override code = "ERR_SPLIT_INVALID_CUT";
  override readonly exitCode = 2;
}

/** Parts that do not fit together: missing producer, dtype or shape disagreement, bad plan. */
export class PartsMismatch extends MsplitError {
  static override code = "ERR_PARTS_MISMATCH";
}

/** A numpy .npy file msplit cannot read, or an array of the wrong dtype/shape. */
export class NpyInvalid extends MsplitError {
  static override code = "ERR_NPY_INVALID";
}

/** An image that cannot be decoded. */
export class ImageInvalid extends MsplitError {
  static override code = "ERR_IMAGE_INVALID";
}

/** Unknown zoo architecture. */
export class ZooUnknownModel extends MsplitError {
  static override code = "ERR_ZOO_UNKNOWN_MODEL";
  override readonly exitCode = 2;
}

/** A file or directory that cannot be read or written. */
export class IoError extends MsplitError {
  static override code = "ERR_IO";
}

/** The inference engine refused a model or failed while running it. */
export class RuntimeFailure extends MsplitError {
  static override code = "ERR_RUNTIME";
}

/** Refuses to overwrite an existing output. */
export class OutputExists extends MsplitError {
  static override code = "ERR_OUTPUT_EXISTS";
}

export function isMsplitError(e: unknown): e is MsplitError {
  return e instanceof MsplitError;
}
