import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { benchDecrypt, decryptVariants } from "../../src/seal/bench.js";

// Throughput targets are checked by `npm run bench`, not by a test on a shared machine; here only
// that every measured path decrypts exactly the plaintext and that the figures are usable.
test("every decryption path the benchmark times yields exactly the plaintext", async () => {
  // Over one chunk boundary and with a short last chunk, where a reader that drops or repeats a chunk shows.
  const { variants, plainSha256 } = decryptVariants(3 * 65536 + 123);
  for (const [name, run] of Object.entries(variants)) {
    const h = createHash("sha256");
    let bytes = 0;
    await run((c) => {
      h.update(c);
      bytes += c.length;
    });
    assert.equal(bytes, 3 * 65536 + 123, name);
    assert.ok(h.digest().equals(plainSha256), `${name} decrypted other bytes`);
  }
});

test("benchDecrypt reports finite, positive throughputs", async () => {
  const r = await benchDecrypt(1024 * 1024, 1);
  assert.equal(r.sizeBytes, 1024 * 1024);
  for (const v of [r.rawGBps, r.streamGBps, r.streamHashGBps, r.streamBoundedGBps, r.ratio]) assert.ok(Number.isFinite(v) && v > 0, String(v));
});
