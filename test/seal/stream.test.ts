import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { collectChunks, memorySource, openChunks } from "../../src/seal/reader.js";
import { chunkCount, chunkNonce, openStream, SEALED_CHUNK_SIZE, sealedSize, sealStream } from "../../src/seal/stream.js";
import { rejectsWith } from "../helpers/index.js";

const key = randomBytes(32);
const aad = Buffer.from("associated data");
const seal = (p: Buffer): Buffer => Buffer.concat([...sealStream(key, aad, p)]);
const open = (s: Uint8Array): Buffer => openStream(key, aad, s, "payload");

function throwsCode(f: () => unknown, code: string, message?: RegExp): void {
  assert.throws(f, (e: { code?: string; message: string }) => {
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test("sizes: one chunk per 64 KiB, an empty plaintext is one empty final chunk", () => {
  for (const [p, chunks] of [[0, 1], [1, 1], [65535, 1], [65536, 1], [65537, 2], [3 * 65536, 3]] as const) {
    assert.equal(chunkCount(p), chunks);
    assert.equal(sealedSize(p), p + 16 * chunks);
    assert.equal(seal(randomBytes(p)).length, sealedSize(p));
    assert.ok(open(seal(Buffer.alloc(p, 7))).equals(Buffer.alloc(p, 7)));
  }
});

test("nonce: 11-byte big-endian counter and a final flag", () => {
  assert.equal(chunkNonce(0, false).toString("hex"), "000000000000000000000000");
  assert.equal(chunkNonce(1, true).toString("hex"), "000000000000000000000101");
  assert.equal(chunkNonce(0x1_0000_0001, false).toString("hex"), "000000" + "00000001" + "00000001" + "00");
});

test("a payload cut at a chunk boundary reports the missing final chunk", () => {
  const s = seal(randomBytes(3 * 65536));
  throwsCode(() => open(s.subarray(0, 2 * SEALED_CHUNK_SIZE)), "ERR_BUNDLE_TRUNCATED", /final chunk is missing/);
  throwsCode(() => open(s.subarray(0, SEALED_CHUNK_SIZE + 5)), "ERR_BUNDLE_TRUNCATED", /middle of chunk 1/);
  throwsCode(() => open(s.subarray(0, SEALED_CHUNK_SIZE + 100)), "ERR_BUNDLE_TAMPERED");
  throwsCode(() => open(s.subarray(0, 3)), "ERR_BUNDLE_TRUNCATED");
});

test("reordered, repeated, dropped or appended chunks fail", () => {
  const s = seal(randomBytes(3 * 65536));
  const c = [0, 1, 2].map((i) => s.subarray(i * SEALED_CHUNK_SIZE, (i + 1) * SEALED_CHUNK_SIZE));
  throwsCode(() => open(Buffer.concat([c[1]!, c[0]!, c[2]!])), "ERR_BUNDLE_TAMPERED", /chunk 0 of 3/);
  throwsCode(() => open(Buffer.concat([c[0]!, c[0]!, c[2]!])), "ERR_BUNDLE_TAMPERED", /chunk 1 of 3/);
  throwsCode(() => open(Buffer.concat([c[0]!, c[2]!])), "ERR_BUNDLE_TAMPERED", /chunk 1 of 2/);
  throwsCode(() => open(Buffer.concat([s, c[2]!])), "ERR_BUNDLE_TAMPERED");
  throwsCode(() => open(Buffer.concat([s, seal(Buffer.alloc(0))])), "ERR_BUNDLE_TAMPERED", /empty chunk/);
  throwsCode(() => openStream(key, Buffer.from("other aad"), s, "payload"), "ERR_BUNDLE_TAMPERED", /chunk 0/);
});

test("the chunk reader bounds memory, authenticates each chunk and notices a short source", async () => {
  const p = randomBytes(40 * 65536 + 3);
  const s = seal(p);
  assert.ok((await collectChunks(openChunks(memorySource(s), key, aad, p.length, "part"), p.length)).equals(p));
  const short = memorySource(s.subarray(0, 20 * SEALED_CHUNK_SIZE));
  await rejectsWith(collectChunks(openChunks(short, key, aad, p.length, "part"), p.length), "ERR_BUNDLE_TRUNCATED", /chunk 20 of 41/);
  const bad = Buffer.from(s);
  bad[30 * SEALED_CHUNK_SIZE + 9]! ^= 1;
  const seen: number[] = [];
  await rejectsWith(
    (async () => {
      for await (const c of openChunks(memorySource(bad), key, aad, p.length, "part")) seen.push(c.length);
    })(),
    "ERR_BUNDLE_TAMPERED",
    /chunk 30 of 41/,
  );
  assert.equal(seen.length, 30, "only chunks before the damaged one were released");
});
