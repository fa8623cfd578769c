import { safeLine } from "./util/text.js";

/**
 * msplit's errors: one base class with a stable `code`, one subclass per failure kind (as in jose).
 * Callers branch on `code`, never on the message; the CLI prints `code: message` on one line.
 */
/**
 * Every code an msplit error can carry, listed with its meaning in docs/errors.md (a test checks
 * the two against each other and against the classes).
 */
export const ERROR_CODES = [
  "ERR_MSPLIT",
  "ERR_USAGE",
  "ERR_ONNX_INVALID",
  "ERR_ONNX_UNSUPPORTED",
  "ERR_SPLIT_INVALID_PARTS",
  "ERR_SPLIT_INVALID_CUT",
  "ERR_PARTS_MISMATCH",
  "ERR_NPY_INVALID",
  "ERR_IMAGE_INVALID",
  "ERR_ZOO_UNKNOWN_MODEL",
  "ERR_IO",
  "ERR_NOT_REGULAR_FILE",
  "ERR_FILE_TOO_LARGE",
  "ERR_RUNTIME",
  "ERR_OUTPUT_EXISTS",
  "ERR_VERIFY_MISMATCH",
  "ERR_WEIGHTS_MISMATCH",
  "ERR_WEIGHTS_ARCH_UNKNOWN",
  "ERR_TORCH_INVALID",
  "ERR_UNSAFE_PICKLE",
  "ERR_TORCH_UNSUPPORTED",
  "ERR_TORCH_LIMIT",
  "ERR_BUNDLE_INVALID",
  "ERR_KEY_MISMATCH",
  "ERR_BUNDLE_TAMPERED",
  "ERR_BUNDLE_TRUNCATED",
  "ERR_BUNDLE_INCOMPLETE",
  "ERR_BUNDLE_UNEXPECTED_FILE",
  "ERR_KEY_INVALID",
  "ERR_KEY_PERMISSIONS",
  "ERR_KEK_MISMATCH",
  "ERR_UNSEALED_MODEL",
  "ERR_UNSEALED_PARTS",
  "ERR_BUNDLE_NO_HEADER",
  "ERR_LABELS_INVALID",
  "ERR_LABELS_MISMATCH",
  "ERR_PF_INVALID_HEADER",
  "ERR_PF_INVALID_VERSION",
  "ERR_PF_KEY_MISMATCH",
  "ERR_PF_PATH_MISMATCH",
  "ERR_PF_TRUNCATED",
  "ERR_PF_CORRUPTED",
  "ERR_QUOTE_INVALID",
  "ERR_COLLATERAL_INVALID",
  "ERR_POLICY_INVALID",
  "ERR_ATTESTATION_REFUSED",
  "ERR_ATTESTER_UNAVAILABLE",
  "ERR_KBS_REFUSED",
  "ERR_KBS_UNAVAILABLE",
  "ERR_KEY_RELEASE_INVALID",
  "ERR_KBS_CONFIG",
  "ERR_BENCH_CHILD",
] as const;

export type MsplitErrorCode = (typeof ERROR_CODES)[number];

export class MsplitError extends Error {
  static code: MsplitErrorCode = "ERR_MSPLIT";
  readonly code: MsplitErrorCode;
  /** 2 for usage errors (bad arguments), 1 for everything else. */
  readonly exitCode: number = 1;

  /**
   * Messages quote names from models, checkpoints and bundles: control characters are escaped and
   * the length capped here, so no message can break a line or drive a terminal.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(safeLine(message), options);
    this.name = new.target.name;
    this.code = new.target.code;
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends MsplitError {
  static override code = "ERR_USAGE" as const;
  override readonly exitCode = 2;
}

/** Not an ONNX model, truncated, or a graph that does not hold together. */
export class OnnxInvalid extends MsplitError {
  static override code = "ERR_ONNX_INVALID" as const;
}

/** An operator or feature msplit cannot handle for the requested operation. */
export class OnnxUnsupported extends MsplitError {
  static override code = "ERR_ONNX_UNSUPPORTED" as const;
}

/** Part count out of range for this graph. */
export class SplitInvalidParts extends MsplitError {
  static override code = "ERR_SPLIT_INVALID_PARTS" as const;
  override readonly exitCode = 2;
}

/** An explicit cut that is not a valid boundary. */
export class SplitInvalidCut extends MsplitError {
  static override code = "ERR_SPLIT_INVALID_CUT" as const;
  override readonly exitCode = 2;
}

/** Parts that do not fit together: missing producer, dtype or shape disagreement, bad plan. */
export class PartsMismatch extends MsplitError {
  static override code = "ERR_PARTS_MISMATCH" as const;
}

/** A numpy .npy file msplit cannot read, or an array of the wrong dtype/shape. */
export class NpyInvalid extends MsplitError {
  static override code = "ERR_NPY_INVALID" as const;
}

/** An image that cannot be decoded. */
export class ImageInvalid extends MsplitError {
  static override code = "ERR_IMAGE_INVALID" as const;
}

/** Unknown zoo architecture. */
export class ZooUnknownModel extends MsplitError {
  static override code = "ERR_ZOO_UNKNOWN_MODEL" as const;
  override readonly exitCode = 2;
}

/** A file or directory that cannot be read or written. */
export class IoError extends MsplitError {
  static override code = "ERR_IO" as const;
}

/** A FIFO, device, socket, directory or symlink chain where msplit reads a regular file. */
export class NotRegularFile extends MsplitError {
  static override code = "ERR_NOT_REGULAR_FILE" as const;
}

/** A file larger than msplit reads for its kind (util/untrusted-file.ts). */
export class FileTooLarge extends MsplitError {
  static override code = "ERR_FILE_TOO_LARGE" as const;
}

/** The inference engine refused a model or failed while running it. */
export class RuntimeFailure extends MsplitError {
  static override code = "ERR_RUNTIME" as const;
}

/** Refuses to overwrite an existing output. */
export class OutputExists extends MsplitError {
  static override code = "ERR_OUTPUT_EXISTS" as const;
}

/** `verify`: the parts do not compute what the whole model computes. */
export class VerifyMismatch extends MsplitError {
  static override code = "ERR_VERIFY_MISMATCH" as const;
}

export function isMsplitError(e: unknown): e is MsplitError {
  return e instanceof MsplitError;
}
