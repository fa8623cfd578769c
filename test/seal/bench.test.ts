import assert from "node:assert/strict";
import { test } from "node:test";
import { benchDecrypt } from "../../src/seal/bench.js";

// Sanity only: throughput targets are checked by `npm run bench`, not by a test on a shared machine.
test("benchDecrypt measures the STREAM reader against raw AES-256-GCM", async () => {
  const r = await benchDecrypt(4 * 1024 * 1024, 1);
  for (const v of [r.rawGBps, r.streamGBps, r.streamHashGBps, r.ratio]) assert.ok(Number.isFinite(v) && v > 0);
  assert.equal(r.ratio, r.streamGBps / r.rawGBps);
});
