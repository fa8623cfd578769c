import { MsplitError } from "../../errors.js";

/** Errors of Gramine protected files (docs/gramine-pf-format.md, "Errors"). */

/** Not a protected file: bad file_id, empty, or a length that is not a multiple of 4096. */
export class PfInvalidHeader extends MsplitError {
  static override code = "ERR_PF_INVALID_HEADER" as const;
}

/** A major version other than 1 or 2. */
export class PfInvalidVersion extends MsplitError {
  static override code = "ERR_PF_INVALID_VERSION" as const;
}

/** The metadata does not authenticate: a wrong wrap key, or a modified metadata node (GCM cannot tell which). */
export class PfKeyMismatch extends MsplitError {
  static override code = "ERR_PF_KEY_MISMATCH" as const;
}

/** The file was written for another path than the one it is opened at. */
export class PfPathMismatch extends MsplitError {
  static override code = "ERR_PF_PATH_MISMATCH" as const;
}

/** Fewer nodes than the plaintext size in the metadata needs. */
export class PfTruncated extends MsplitError {
  static override code = "ERR_PF_TRUNCATED" as const;
}

/** An MHT or data node fails authentication, extra nodes, or metadata that breaks the format. */
export class PfCorrupted extends MsplitError {
  static override code = "ERR_PF_CORRUPTED" as const;
}

export const PF_ERROR_CODES: readonly string[] = [
  PfInvalidHeader.code,
  PfInvalidVersion.code,
  PfKeyMismatch.code,
  PfPathMismatch.code,
  PfTruncated.code,
  PfCorrupted.code,
];
