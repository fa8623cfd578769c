import { exportJWK, flattenedDecrypt, type FlattenedJWE, generateKeyPair } from "jose";
import type { Attester } from "../attest/attester.js";
import { readUntrusted } from "../util/untrusted-file.js";
import { KbsRefused, KbsUnavailable } from "./errors.js";
import { exchange, type HttpResponse } from "./http.js";
import { DEFAULT_HASH_ALGORITHM, HASH_ALGORITHMS, type HashAlgorithm, KBS_PREFIX, KBS_PROTOCOL_VERSION, parseResourcePath, runtimeDataDigest, SESSION_COOKIE, type TeePubKey } from "./protocol.js";

/**
 * The RCAR client (guest-components' kbs_protocol): an ephemeral key pair in memory, /auth,
 * evidence bound to the challenge and the public key, /attest, then the resource as a JWE that
 * only this process can decrypt. Talks to msplit's broker or to a Trustee KBS alike.
 */
export interface KbsClientOptions {
  /** The broker, e.g. https://kbs.example:8080 */
  url: string;
  attester: Attester;
  /** PEM certificate(s) to trust for the broker's TLS (default: the system's roots). */
  ca?: Buffer;
  /** The same, as a file read (through the untrusted-file reader) when the key is fetched. */
  caFile?: string;
  timeoutMs?: number;
}

export async function fetchResource(options: KbsClientOptions, resourcePath: string): Promise<Buffer> {
  if (!parseResourcePath(resourcePath)) throw new KbsUnavailable(`a resource is <repository>/<type>/<tag>; got ${JSON.stringify(resourcePath.slice(0, 200))}`);
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new KbsUnavailable(`not a URL: ${JSON.stringify(options.url.slice(0, 200))}`);
  }
  const at = (path: string) => new URL(`${base.pathname.replace(/\/$/, "")}${KBS_PREFIX}/${path}`, base);
  const ca = options.ca ?? (options.caFile === undefined ? undefined : await readUntrusted(options.caFile, "certificate"));
  const http = { ca, timeoutMs: options.timeoutMs };

  // The private key never leaves this function's memory; it is not extractable.
  const { publicKey, privateKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "P-256" });
  const jwk = await exportJWK(publicKey);
  const teePubKey: TeePubKey = { kty: "EC", crv: "P-256", alg: "ECDH-ES+A256KW", x: jwk.x!, y: jwk.y! };

  const auth = await exchange("POST", at("auth"), { ...http, body: { version: KBS_PROTOCOL_VERSION, tee: options.attester.tee, "extra-params": { "supported-hash-algorithms": HASH_ALGORITHMS } } });
  const challenge = json(expectOk(auth, "auth")) as { nonce?: unknown; "extra-params"?: unknown };
  if (typeof challenge.nonce !== "string") throw new KbsUnavailable("the broker's challenge has no nonce");
  const cookie = sessionCookie(auth);
  const algorithm = selectedHash(challenge["extra-params"]);
  const digest = runtimeDataDigest(teePubKey, challenge.nonce, "", algorithm);
  const evidence = await options.attester.evidence(digest);

  const headers = { cookie: `${SESSION_COOKIE}=${cookie}` };
  const attestBody = { "runtime-data": { nonce: challenge.nonce, "tee-pubkey": teePubKey }, "tee-evidence": { primary_evidence: evidence, additional_evidence: "" } };
  expectOk(await exchange("POST", at("attest"), { ...http, headers, body: attestBody }), "attest");

  const res = expectOk(await exchange("GET", at(`resource/${resourcePath}`), { ...http, headers }), "resource");
  const jwe = json(res) as FlattenedJWE;
  try {
    const { plaintext } = await flattenedDecrypt(jwe, privateKey, { keyManagementAlgorithms: ["ECDH-ES+A256KW"], contentEncryptionAlgorithms: ["A256GCM"] });
    return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  } catch (e) {
    throw new KbsUnavailable(`the released resource does not decrypt under this process's key: ${(e as Error).message}`, { cause: e });
  }
}

function expectOk(res: HttpResponse, step: string): HttpResponse {
  if (res.status >= 200 && res.status < 300) return res;
  let kind = "?";
  let detail = res.body.toString("utf8").slice(0, 300);
  try {
    const b = JSON.parse(res.body.toString("utf8")) as { type?: unknown; detail?: unknown };
    if (typeof b.type === "string") kind = b.type.split("/").pop() ?? b.type;
    if (typeof b.detail === "string") detail = b.detail;
  } catch {
    /* not the protocol's error body: keep the text */
  }
  throw new KbsRefused(`the broker refused ${step} (HTTP ${res.status} ${kind}): ${detail.replace(/[\r\n]+/g, " ")}`, res.status, kind);
}

function json(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch {
    throw new KbsUnavailable("the broker's answer is not JSON");
  }
}

function sessionCookie(res: HttpResponse): string {
  const raw = res.headers["set-cookie"];
  for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(line);
    if (m?.[1]) return m[1];
  }
  throw new KbsUnavailable(`the broker set no ${SESSION_COOKIE} cookie`);
}

function selectedHash(extra: unknown): HashAlgorithm {
  const name = typeof extra === "object" && extra !== null ? (extra as Record<string, unknown>)["selected-hash-algorithm"] : undefined;
  if (name === undefined) return DEFAULT_HASH_ALGORITHM;
  const lower = typeof name === "string" ? name.toLowerCase() : "";
  if (!(HASH_ALGORITHMS as readonly string[]).includes(lower)) throw new KbsUnavailable(`the broker selected an unsupported hash algorithm ${JSON.stringify(name)}`);
  return lower as HashAlgorithm;
}
