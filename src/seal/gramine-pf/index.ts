/** Gramine protected files (docs/gramine-pf-format.md): both major versions, read and written. */
export { aesCmac } from "./cmac.js";
export {
  DEFAULT_PF_VERSION,
  layoutOf,
  metadataKey,
  NODE_SIZE,
  normalizePfPath,
  PF_VERSIONS,
  WRAP_KEY_SIZE,
  type PfLayout,
  type PfVersion,
} from "./format.js";
export { checkPfLength, parsePfHeader, type PfHeader } from "./header.js";
export { checkWrapKey, memoryPfSource, openProtectedFile, type OpenedPf, type OpenPfOptions, type PfSource } from "./open.js";
export { pfPathToEmbed, sealProtectedFile, type PfSink, type SealPfOptions } from "./seal.js";
export {
  pfConvert,
  pfDecryptFile,
  pfEncryptFile,
  filePfSink,
  filePfSource,
  openProtectedFileAt,
  openRegularFile,
  readProtectedFile,
  type PfDecryptFileOptions,
  type PfEncryptFileOptions,
  type PfFileResult,
} from "./files.js";
export { PF_ERROR_CODES, PfCorrupted, PfInvalidHeader, PfInvalidVersion, PfKeyMismatch, PfPathMismatch, PfTruncated } from "./errors.js";
export { generateWrapKey, loadWrapKey } from "./wrap-key.js";
