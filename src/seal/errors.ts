import { MsplitError } from "../errors.js";

/**
 * Errors of sealed bundles and keys (docs/bundle-format.md, "Error codes"). Several failures share
 * a code when they are the same class of failure; their messages tell them apart.
 */

/** Not a bundle or part file, an unsupported version, or a manifest that breaks the format. */
export class BundleInvalid extends MsplitError {
  static override code = "ERR_BUNDLE_INVALID" as const;
}

/** The key check in the header does not match the key: wrong key, or an edited header. */
export class KeyMismatch extends MsplitError {
  static override code = "ERR_KEY_MISMATCH" as const;
}

/** Authentication failed, or a part file sits where it does not belong. */
export class BundleTampered extends MsplitError {
  static override code = "ERR_BUNDLE_TAMPERED" as const;
}

/** A file shorter than its content requires, or a payload without its final chunk. */
export class BundleTruncated extends MsplitError {
  static override code = "ERR_BUNDLE_TRUNCATED" as const;
}

/** A part file named in the manifest is missing. */
export class BundleIncomplete extends MsplitError {
  static override code = "ERR_BUNDLE_INCOMPLETE" as const;
}

/** An entry in the bundle directory that is not part of the bundle. */
export class BundleUnexpectedFile extends MsplitError {
  static override code = "ERR_BUNDLE_UNEXPECTED_FILE" as const;
}

/** A key (file) that is not exactly a key. */
export class KeyInvalid extends MsplitError {
  static override code = "ERR_KEY_INVALID" as const;
}

/** A key file that group or others may read or write. */
export class KeyPermissions extends MsplitError {
  static override code = "ERR_KEY_PERMISSIONS" as const;
}

/** A wrapped key that does not unwrap under the given key-encryption key. */
export class KekMismatch extends MsplitError {
  static override code = "ERR_KEK_MISMATCH" as const;
}

/** The codes a corrupted or attacked bundle may produce; tests and callers branch on these. */
export const BUNDLE_ERROR_CODES: readonly string[] = [
  BundleInvalid.code,
  KeyMismatch.code,
  BundleTampered.code,
  BundleTruncated.code,
  BundleIncomplete.code,
  BundleUnexpectedFile.code,
];
