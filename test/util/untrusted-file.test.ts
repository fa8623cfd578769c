import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readUntrusted, readUntrustedJoined } from "../../src/util/untrusted-file.js";
import { rejectsWith, tempDir } from "../helpers/index.js";

/** One policy for every file msplit reads: regular files, one symlink, bounded size, never blocking. */
const dir = tempDir();
const p = (name: string) => join(dir.path, name);
let hasFifo = false;

before(() => {
  writeFileSync(p("data"), "0123456789");
  hasFifo = spawnSync("mkfifo", [p("fifo")]).status === 0;
  symlinkSync(p("data"), p("link"));
  symlinkSync(p("link"), p("link-to-link"));
  symlinkSync("data", p("relative-link"));
  mkdirSync(p("dir"));
});
after(() => dir.cleanup());

test("a regular file, and a symlink to one (followed once, relative targets too), are read whole", async () => {
  for (const name of ["data", "link", "relative-link"]) assert.equal((await readUntrusted(p(name), "npy")).toString(), "0123456789");
});

test("a FIFO without a writer is refused at once instead of blocking", { timeout: 20_000 }, async (t) => {
  if (!hasFifo) return t.skip("mkfifo unavailable");
  await rejectsWith(readUntrusted(p("fifo"), "model"), "ERR_NOT_REGULAR_FILE", /FIFO/);
});

test("devices, directories and symlink chains are refused", async () => {
  await rejectsWith(readUntrusted("/dev/zero", "model"), "ERR_NOT_REGULAR_FILE", /character device/);
  await rejectsWith(readUntrusted(p("dir"), "labels"), "ERR_NOT_REGULAR_FILE", /directory/);
  await rejectsWith(readUntrusted(p("link-to-link"), "image"), "ERR_NOT_REGULAR_FILE", /symlink to a symlink/);
  await rejectsWith(readUntrusted(p("missing"), "image"), "ERR_IO", /ENOENT/);
});

test("a socket is refused", async () => {
  const path = p("sock");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    await rejectsWith(readUntrusted(path, "npy"), "ERR_NOT_REGULAR_FILE", /socket/);
  } finally {
    server.close();
  }
});

test("a file above its kind's limit is refused before it is read", async () => {
  await rejectsWith(readUntrusted(p("data"), "npy", { maxBytes: 9 }), "ERR_FILE_TOO_LARGE", /10 bytes/);
  assert.equal((await readUntrusted(p("data"), "npy", { maxBytes: 10 })).length, 10);
});

test("readUntrustedJoined reads files end to end into one buffer, with every check of readUntrusted", async (t) => {
  writeFileSync(p("second"), "abc");
  writeFileSync(p("empty"), "");
  const views = await readUntrustedJoined([p("data"), p("empty"), p("link"), p("second")], "model");
  assert.deepEqual(views.map((v) => v.toString()), ["0123456789", "", "0123456789", "abc"]);
  assert.ok(views.every((v) => v.buffer === views[0]!.buffer), "one buffer");
  assert.deepEqual(views.map((v) => v.byteOffset - views[0]!.byteOffset), [0, 10, 10, 20]);
  await rejectsWith(readUntrustedJoined([p("data"), p("dir")], "model"), "ERR_NOT_REGULAR_FILE");
  await rejectsWith(readUntrustedJoined([p("data"), p("link-to-link")], "model"), "ERR_NOT_REGULAR_FILE");
  if (!hasFifo) return t.skip("mkfifo unavailable");
  await rejectsWith(readUntrustedJoined([p("fifo"), p("data")], "model"), "ERR_NOT_REGULAR_FILE", /FIFO/);
});
