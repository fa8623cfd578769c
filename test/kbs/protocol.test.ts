import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ERROR_KINDS, padReportData, parseResourcePath, runtimeDataDigest } from "../../src/kbs/protocol.js";
import { decodeKeyRelease, encodeKeyRelease } from "../../src/kbs/release.js";
import { repoRoot } from "../helpers/index.js";

test("runtime data binding: a frozen known answer (computed independently with Python's sorted-key compact JSON and hashlib)", () => {
  const jwk = { kty: "EC", crv: "P-256", alg: "ECDH-ES+A256KW", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };
  const digest = runtimeDataDigest(jwk, "q1dA8vQ0c1Z4m2G1mD5b3Q2m0cV0aXr6oG5dQm3k2xY=", "");
  assert.equal(digest.toString("hex"), "73948655c78fdc307f7e85a8027f4c792fb8dd78380e1ea35542c32f08f0038a8fa288fd9cf69821515fff0ca2a9010e");
  const padded = padReportData(digest);
  assert.equal(padded.length, 64);
  assert.deepEqual(padded.subarray(0, 48), digest);
  assert.ok(padded.subarray(48).every((b) => b === 0));
  // Key order in the JWK does not matter (JCS sorts), the nonce does.
  assert.deepEqual(runtimeDataDigest({ y: jwk.y, x: jwk.x, kty: "EC", alg: jwk.alg, crv: "P-256" }, "q1dA8vQ0c1Z4m2G1mD5b3Q2m0cV0aXr6oG5dQm3k2xY=", ""), digest);
  assert.notDeepEqual(runtimeDataDigest(jwk, "other", ""), digest);
});

test("docs/attestation.md lists every broker error kind with its status", () => {
  const doc = readFileSync(join(repoRoot, "docs", "attestation.md"), "utf8");
  const rows = new Map<string, number[]>();
  for (const m of doc.matchAll(/^\| ([A-Za-z /]+) \| ([0-9 /]+) \| /gm)) {
    const kinds = m[1]!.split(" / ").map((k) => k.trim());
    const statuses = m[2]!.split(" / ").map((s) => Number(s.trim()));
    kinds.forEach((k, i) => rows.set(k, [statuses[Math.min(i, statuses.length - 1)]!]));
  }
  for (const [kind, status] of Object.entries(ERROR_KINDS)) assert.deepEqual(rows.get(kind), [status], `${kind} ${status} in the table`);
});

test("key releases: round trip, and anything else is refused", () => {
  const key = randomBytes(32);
  const r = decodeKeyRelease(encodeKeyRelease({ bundleId: "0123456789abcdef0123456789abcdef", kind: "key", key }));
  assert.deepEqual(r, { bundleId: "0123456789abcdef0123456789abcdef", kind: "key", key });
  const bad = [
    "not json",
    JSON.stringify({ bundle_id: "0123456789abcdef0123456789abcdef", key: key.toString("base64url") }),
    JSON.stringify({ msplit: "key-release/v1", bundle_id: "xyz", key: key.toString("base64url") }),
    JSON.stringify({ msplit: "key-release/v1", bundle_id: "0123456789abcdef0123456789abcdef" }),
    JSON.stringify({ msplit: "key-release/v1", bundle_id: "0123456789abcdef0123456789abcdef", key: key.toString("base64url"), kek: key.toString("base64url") }),
    JSON.stringify({ msplit: "key-release/v1", bundle_id: "0123456789abcdef0123456789abcdef", key: randomBytes(16).toString("base64url") }),
    JSON.stringify({ msplit: "key-release/v1", bundle_id: "0123456789abcdef0123456789abcdef", key: Buffer.alloc(32).toString("base64url") }),
  ];
  for (const b of bad) assert.throws(() => decodeKeyRelease(Buffer.from(b)), { code: "ERR_KEY_RELEASE_INVALID" }, b);
});

test("resource paths: three safe segments", () => {
  assert.deepEqual(parseResourcePath("msplit/key/alexnet-v2.1"), { repository: "msplit", type: "key", tag: "alexnet-v2.1" });
  for (const p of ["a/b", "a/b/c/d", "../b/c", "a/../c", "a/b/.", "a/b/c d", "a//c", ""]) assert.equal(parseResourcePath(p), undefined, p);
});
