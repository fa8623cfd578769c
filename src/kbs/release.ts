import { KeyInvalid } from "../seal/errors.js";
import { checkKeyBytes } from "../seal/key-bytes.js";
import { KeyReleaseInvalid } from "./errors.js";

/**
 * The resource a broker releases for a sealed bundle (docs/attestation.md, "Key release"):
 * `{"msplit":"key-release/v1","bundle_id":"<32 hex>","key":"<base64url>"}` or, with `"kek"` in
 * place of `"key"`, the key-encryption key of a wrapped key file. The bundle id is what stops a
 * host from rolling the enclave back to an older bundle sealed under the same key.
 */
export const KEY_RELEASE_FORMAT = "key-release/v1";

export interface KeyRelease {
  bundleId: string;
  kind: "key" | "kek";
  key: Buffer;
}

export function encodeKeyRelease(release: KeyRelease): Buffer {
  checkKeyBytes(release.key, `the ${release.kind}`);
  if (!/^[0-9a-f]{32}$/.test(release.bundleId)) throw new KeyReleaseInvalid(`a bundle id is 32 lower-case hex digits`);
  return Buffer.from(`${JSON.stringify({ msplit: KEY_RELEASE_FORMAT, bundle_id: release.bundleId, [release.kind]: release.key.toString("base64url") })}\n`);
}

export function decodeKeyRelease(bytes: Uint8Array): KeyRelease {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new KeyReleaseInvalid("the released resource is not a msplit key release (not JSON)");
  }
  if (typeof v !== "object" || v === null || (v as { msplit?: unknown }).msplit !== KEY_RELEASE_FORMAT)
    throw new KeyReleaseInvalid(`the released resource is not a msplit key release ("msplit": "${KEY_RELEASE_FORMAT}" missing)`);
  const o = v as Record<string, unknown>;
  if (typeof o.bundle_id !== "string" || !/^[0-9a-f]{32}$/.test(o.bundle_id)) throw new KeyReleaseInvalid("the key release has no valid bundle_id");
  const kinds = (["key", "kek"] as const).filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) throw new KeyReleaseInvalid('the key release must carry exactly one of "key" and "kek"');
  const kind = kinds[0]!;
  const text = o[kind];
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]+$/.test(text)) throw new KeyReleaseInvalid(`the key release's "${kind}" is not base64url`);
  const key = Buffer.from(text, "base64url");
  try {
    checkKeyBytes(key, `the released ${kind}`);
  } catch (e) {
    key.fill(0);
    throw e instanceof KeyInvalid ? new KeyReleaseInvalid(e.message) : e;
  }
  return { bundleId: o.bundle_id, kind, key };
}
