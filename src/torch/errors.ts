import { MsplitError } from "../errors.js";

/**
 * Not a PyTorch zip checkpoint, or a malformed one: a broken zip, a pickle that does not parse
 * (unknown opcode, stack underflow, memo miss, truncation), or tensors that do not fit their storage.
 */
export class TorchInvalid extends MsplitError {
  static override code = "ERR_TORCH_INVALID" as const;
}

/**
 * A pickle that refers to a global outside the allow-list, or calls something that may not be called.
 * Raised before anything could run: the restricted unpickler never imports or executes.
 */
export class UnsafePickle extends MsplitError {
  static override code = "ERR_UNSAFE_PICKLE" as const;
  /** The offending global as `module.name`, or a short description when it is not a global. */
  readonly global: string;

  constructor(global: string, message: string) {
    super(message);
    this.global = global;
  }
}

/** A well-formed checkpoint msplit cannot read: legacy (pre-1.6) format, TorchScript, big-endian, a dtype it does not convert. */
export class TorchUnsupported extends MsplitError {
  static override code = "ERR_TORCH_UNSUPPORTED" as const;
}

/** A checkpoint that exceeds a resource limit (sizes, nesting, counts); limits guard against memory and CPU bombs. */
export class TorchLimitExceeded extends MsplitError {
  static override code = "ERR_TORCH_LIMIT" as const;
}
