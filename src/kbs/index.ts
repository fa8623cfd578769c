/** The key broker (Trustee KBS RCAR protocol 0.4.0) and its client. */
export { createKbsServer, type KbsServerOptions } from "./server.js";
export { ResourceStore, MAX_RESOURCE_BYTES } from "./resources.js";
export { fetchResource, type KbsClientOptions } from "./client.js";
export { brokerKeySource } from "./key-source.js";
export { encodeKeyRelease, decodeKeyRelease, KEY_RELEASE_FORMAT, type KeyRelease } from "./release.js";
export { runtimeDataDigest, padReportData, parseResourcePath, KBS_PROTOCOL_VERSION, SESSION_COOKIE, ERROR_KINDS, type ErrorKind, type TeePubKey } from "./protocol.js";
export { KbsConfigInvalid, KbsRefused, KbsUnavailable, KeyReleaseInvalid } from "./errors.js";
export { publishKeyRelease, type PublishOptions } from "./publish.js";
