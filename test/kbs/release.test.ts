import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { parsePolicy } from "../../src/attest/policy.js";
import { SampleAttester } from "../../src/attest/sample.js";
import { brokerKeySource } from "../../src/kbs/key-source.js";
import { publishKeyRelease } from "../../src/kbs/publish.js";
import { ResourceStore } from "../../src/kbs/resources.js";
import { createKbsServer } from "../../src/kbs/server.js";
import { generateKey, loadBoundKey, loadKey, openBundle, sealBundle } from "../../src/seal/index.js";
import { rejectsWith, tempDir } from "../helpers/index.js";

/** Key releases through the library: bundle key or KEK, each bound to one bundle id. */
const tmp = tempDir("msplit-release-");
const p = (...x: string[]) => join(tmp.path, ...x);
let app: FastifyInstance;
let client: { url: string; attester: SampleAttester };

before(async () => {
  await generateKey(p("kek"));
  await generateKey(p("wrapped.key"), { wrapWith: p("kek") });
  const key = await loadKey({ kind: "wrapped", path: p("wrapped.key"), kek: { kind: "file", path: p("kek") } });
  await sealBundle(p("bundle"), [{ bytes: Buffer.from("part zero"), signature: {} }], key);
  await sealBundle(p("older"), [{ bytes: Buffer.from("older part"), signature: {} }], key);
  const wrapped = { kind: "wrapped" as const, path: p("wrapped.key"), kek: { kind: "file" as const, path: p("kek") } };
  await publishKeyRelease({ bundle: p("bundle"), key: wrapped, kek: { kind: "file", path: p("kek") }, resources: p("res"), resource: "m/kek/one" });
  await publishKeyRelease({ bundle: p("bundle"), key: wrapped, resources: p("res"), resource: "m/key/one" });
  app = await createKbsServer({
    policy: parsePolicy(JSON.stringify({ version: 1, mr_enclave: "00".repeat(32) })),
    resources: await ResourceStore.open(p("res")),
    allowSample: true,
    logger: false,
  });
  client = { url: await app.listen({ port: 0, host: "127.0.0.1" }), attester: new SampleAttester() };
});
after(async () => {
  await app.close();
  tmp.cleanup();
});

test("a released KEK unwraps the host's wrapped key file, for its bundle only", async () => {
  const source = { kind: "wrapped" as const, path: p("wrapped.key"), kek: brokerKeySource(client, "m/kek/one", "kek") };
  const bound = await loadBoundKey(source);
  const opened = await openBundle(p("bundle"), bound.key, { expectId: bound.bundleId });
  assert.equal((await opened.readPart(0)).toString(), "part zero");
  opened.close();
  await rejectsWith(openBundle(p("older"), bound.key, { expectId: bound.bundleId }), "ERR_BUNDLE_TAMPERED", /not the expected/);
});

test("a released bundle key, and the wrong kind of release, refused by name", async () => {
  const bound = await loadBoundKey(brokerKeySource(client, "m/key/one", "key"));
  assert.match(bound.bundleId ?? "", /^[0-9a-f]{32}$/);
  await rejectsWith(loadBoundKey(brokerKeySource(client, "m/kek/one", "key")), "ERR_KEY_RELEASE_INVALID", /holds a KEK/);
  await rejectsWith(loadBoundKey({ kind: "wrapped", path: p("wrapped.key"), kek: brokerKeySource(client, "m/key/one", "kek") }), "ERR_KEY_RELEASE_INVALID", /not a KEK/);
  // A bound key cannot be taken as a bare key (that would drop the binding silently).
  await rejectsWith(loadKey(brokerKeySource(client, "m/key/one")), "ERR_KEY_INVALID", /bound to one bundle/);
  await rejectsWith(publishKeyRelease({ bundle: p("bundle"), key: { kind: "file", path: p("kek") }, resources: p("res"), resource: "m/key/two" }), "ERR_KEY_MISMATCH");
});
