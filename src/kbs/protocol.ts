import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * Trustee KBS, RCAR protocol 0.4.0 (docs/attestation.md, "Protocol"): the messages, the cookie,
 * the error body, and the binding of the runtime data to the evidence. Shared by the broker and
 * the client so both sides compute the binding one way.
 */
export const KBS_PROTOCOL_VERSION = "0.4.0";
export const KBS_PREFIX = "/kbs/v0";
export const SESSION_COOKIE = "kbs-session-id";
export const ERROR_TYPE_PREFIX = "https://github.com/confidential-containers/kbs/errors";
export const HASH_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
export const DEFAULT_HASH_ALGORITHM: HashAlgorithm = "sha384";

export interface KbsRequest {
  version: string;
  tee: string;
  "extra-params": unknown;
}

export interface KbsChallenge {
  nonce: string;
  "extra-params": unknown;
}

/** The TEE's ephemeral public key (a public JWK). */
export type TeePubKey =
  | { kty: "EC"; crv: "P-256" | "P-384" | "P-521"; alg: "ECDH-ES+A256KW"; x: string; y: string }
  | { kty: "RSA"; alg: "RSA-OAEP-256"; n: string; e: string };

export interface KbsAttestation {
  "init-data"?: { format: string; body: string };
  "runtime-data": { nonce: string; "tee-pubkey": TeePubKey };
  "tee-evidence": { primary_evidence: unknown; additional_evidence: string };
}

export interface KbsErrorBody {
  type: string;
  detail: string;
}

/** The error kinds the broker answers with (the last segment of `type`). */
export const ERROR_KINDS = {
  InvalidRequest: 400,
  MissingCookie: 401,
  SessionNotFound: 401,
  SessionExpired: 401,
  NonceReused: 401,
  NonceMismatch: 401,
  ReportDataMismatch: 401,
  EvidenceRefused: 401,
  TokenInvalid: 401,
  NotAttested: 401,
  PolicyDeny: 403,
  ResourceNotFound: 404,
  PayloadTooLarge: 413,
  RateLimited: 429,
  Overloaded: 503,
} as const;
export type ErrorKind = keyof typeof ERROR_KINDS;

export function errorBody(kind: ErrorKind, detail: string): KbsErrorBody {
  return { type: `${ERROR_TYPE_PREFIX}/${kind}`, detail };
}

/**
 * What the evidence's report_data must hold: the hash of the RFC 8785 canonical JSON of
 * {tee-pubkey, nonce, additional-evidence} (guest-components' primary runtime data). The SGX
 * quote carries it zero-padded to 64 bytes; sample evidence carries the raw digest.
 */
export function runtimeDataDigest(teePubKey: unknown, nonce: string, additionalEvidence: string, algorithm: HashAlgorithm = DEFAULT_HASH_ALGORITHM): Buffer {
  const text = canonicalize({ "tee-pubkey": teePubKey, nonce, "additional-evidence": additionalEvidence });
  if (text === undefined) throw new TypeError("runtime data cannot be canonicalised");
  return createHash(algorithm).update(text, "utf8").digest();
}

export function padReportData(digest: Uint8Array): Buffer {
  const out = Buffer.alloc(64);
  out.set(digest.subarray(0, 64));
  return out;
}

/** `repo/type/tag`: each segment letters, digits, `.`, `_`, `-`, not `.` or `..`. */
export function parseResourcePath(path: string): { repository: string; type: string; tag: string } | undefined {
  const parts = path.split("/");
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9._-]{1,128}$/.test(p) && p !== "." && p !== "..")) return undefined;
  return { repository: parts[0]!, type: parts[1]!, tag: parts[2]! };
}
