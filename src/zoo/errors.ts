import { MsplitError } from "../errors.js";

/** A state dict whose tensor names or shapes do not fit the zoo model it is loaded into. */
export class WeightsMismatch extends MsplitError {
  static override code = "ERR_WEIGHTS_MISMATCH" as const;
}

/** Weights whose architecture cannot be told from the file (pass it explicitly). */
export class ArchitectureUnknown extends MsplitError {
  static override code = "ERR_WEIGHTS_ARCH_UNKNOWN" as const;
  override readonly exitCode = 2;
}
