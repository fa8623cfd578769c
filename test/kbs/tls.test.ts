import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { parsePolicy } from "../../src/attest/policy.js";
import { SampleAttester } from "../../src/attest/sample.js";
import { fetchResource } from "../../src/kbs/client.js";
import { ResourceStore } from "../../src/kbs/resources.js";
import { createKbsServer } from "../../src/kbs/server.js";
import { fixturesDir, rejectsWith, tempDir } from "../helpers/index.js";

/** The broker over HTTPS; the client trusts exactly the CA it is given. */
const tls = join(fixturesDir, "tls");
const tmp = tempDir("msplit-kbs-tls-");
let app: FastifyInstance;
let url: string;

before(async () => {
  mkdirSync(join(tmp.path, "r", "k", "t"), { recursive: true });
  writeFileSync(join(tmp.path, "r", "k", "t", "x"), "over tls");
  app = await createKbsServer({
    policy: parsePolicy(JSON.stringify({ version: 1, mr_enclave: "00".repeat(32) })),
    resources: await ResourceStore.open(join(tmp.path, "r")),
    allowSample: true,
    logger: false,
    https: { cert: readFileSync(join(tls, "localhost.pem")), key: readFileSync(join(tls, "localhost.key.pem")) },
  });
  url = await app.listen({ port: 0, host: "127.0.0.1" });
});
after(async () => {
  await app.close();
  tmp.cleanup();
});

test("HTTPS with the pinned CA works; without it the client refuses the broker", async () => {
  assert.match(url, /^https:/);
  const got = await fetchResource({ url, attester: new SampleAttester(), ca: readFileSync(join(tls, "localhost.pem")) }, "k/t/x");
  assert.equal(got.toString(), "over tls");
  await rejectsWith(fetchResource({ url, attester: new SampleAttester() }, "k/t/x"), "ERR_KBS_UNAVAILABLE", /SELF_SIGNED|certificate/i);
});
