import { FlattenedEncrypt, type FlattenedJWE, importJWK } from "jose";
import type { TeePubKey } from "./protocol.js";

/**
 * The resource as a flattened JWE to the TEE's ephemeral key (Trustee's kbs/src/jwe): A256GCM
 * content, the key wrapped with ECDH-ES+A256KW (epk in the protected header) or RSA-OAEP-256.
 */
export async function encryptResource(resource: Uint8Array, teePubKey: TeePubKey): Promise<FlattenedJWE> {
  const key = await importJWK({ ...teePubKey }, teePubKey.alg);
  return new FlattenedEncrypt(resource).setProtectedHeader({ alg: teePubKey.alg, enc: "A256GCM" }).encrypt(key);
}

const EC_SIZES: Record<string, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

/** A public JWK the broker will encrypt to, or why not. Private members are refused outright. */
export function checkTeePubKey(v: unknown): TeePubKey | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "tee-pubkey must be a JWK object";
  const k = v as Record<string, unknown>;
  for (const p of ["d", "p", "q", "dp", "dq", "qi", "k"]) if (p in k) return `tee-pubkey carries the private member "${p}"`;
  const b64 = (x: unknown, size?: number) => typeof x === "string" && /^[A-Za-z0-9_-]+$/.test(x) && (size === undefined || Buffer.from(x, "base64url").length === size);
  if (k.kty === "EC") {
    const size = EC_SIZES[k.crv as string];
    if (!size) return `tee-pubkey curve ${JSON.stringify(k.crv)} is not supported`;
    if (k.alg !== "ECDH-ES+A256KW") return "an EC tee-pubkey must have alg ECDH-ES+A256KW";
    if (!b64(k.x, size) || !b64(k.y, size)) return "tee-pubkey x and y must be base64url coordinates";
    return { kty: "EC", crv: k.crv as "P-256", alg: "ECDH-ES+A256KW", x: k.x as string, y: k.y as string };
  }
  if (k.kty === "RSA") {
    if (k.alg !== "RSA-OAEP-256") return "an RSA tee-pubkey must have alg RSA-OAEP-256";
    if (!b64(k.n) || !b64(k.e) || Buffer.from(k.n as string, "base64url").length < 256) return "tee-pubkey n and e must be base64url, n at least 2048 bits";
    return { kty: "RSA", alg: "RSA-OAEP-256", n: k.n as string, e: k.e as string };
  }
  return `tee-pubkey kty ${JSON.stringify(k.kty)} is not supported (EC, RSA)`;
}
