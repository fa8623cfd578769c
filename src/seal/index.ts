/** Sealed bundles (docs/bundle-format.md): one module per operation, errors with stable codes. */
export { sealBundle, type BundleInfo, type SealOptions, type SealPart } from "./seal.js";
export { openBundle, type OpenedBundle, type OpenOptions } from "./open.js";
export { unsealBundle, plainPartName, PLAN_FILE, type UnsealResult } from "./unseal.js";
export { generateKey, loadKey, loadBoundKey, KEY_FILE_ENV, type BoundKey, type GenerateKeyOptions, type KeySource, type LoadKeyOptions, type ReleasedKey } from "./keys.js";
export { wrapKey, unwrapKey } from "./wrap.js";
export { zeroize } from "./bytes.js";
export type { BundleManifest, PartEntry } from "./manifest.js";
export { FORMAT_VERSION, HEADER_FILE } from "./format.js";
export {
  BUNDLE_ERROR_CODES,
  BundleIncomplete,
  BundleInvalid,
  BundleTampered,
  BundleTruncated,
  BundleUnexpectedFile,
  KekMismatch,
  KeyInvalid,
  KeyMismatch,
  KeyPermissions,
} from "./errors.js";
