import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, copyFile, cp, mkdir, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { HEADER_FILE, openBundle } from "../../src/seal/index.js";
import { rejectsWith } from "../helpers/index.js";
import { openAndReadAll, type Sealed, sealRandom } from "./helpers.js";

const SC = 65536 + 16;
const PH = 44;
let pristine: Sealed;
let files: string[];

before(async () => {
  // Part 2 has 4 chunks (3 full + 3392 bytes): room for every kind of truncation.
  pristine = await sealRandom([150_000, 70_000, 200_000, 10]);
  files = pristine.info.parts.map((p) => p.file);
});

/** A private copy of the pristine bundle for one attack. */
async function copy(): Promise<string> {
  const dir = join(pristine.root, `attack-${randomBytes(4).toString("hex")}`);
  await cp(pristine.dir, dir, { recursive: true });
  return dir;
}

const part = (dir: string, i: number): string => join(dir, files[i]!);
const attempt = (dir: string): Promise<Buffer[]> => openAndReadAll(dir, pristine.key);

test("an untouched copy opens", async () => {
  const got = await attempt(await copy());
  got.forEach((b, i) => assert.ok(b.equals(pristine.parts[i]!)));
});

test("swapped part files are reported as a swap", async () => {
  const dir = await copy();
  await rename(part(dir, 1), join(dir, "tmp"));
  await rename(part(dir, 3), part(dir, 1));
  await rename(join(dir, "tmp"), part(dir, 3));
  const e = await rejectsWith(attempt(dir), "ERR_BUNDLE_TAMPERED", /swapped/);
  assert.match(e.message, new RegExp(`${files[1]} and ${files[3]} are swapped`));
  assert.match(e.message, /does not belong at position 1/);
});

test("a dropped part file is reported missing", async () => {
  const dir = await copy();
  await rm(part(dir, 2));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_INCOMPLETE", new RegExp(`${files[2]} \\(part 2 of 4\\) is missing`));
});

test("a part file copied over another is reported as a duplicate", async () => {
  const dir = await copy();
  await copyFile(part(dir, 0), part(dir, 2));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_TAMPERED", /is a copy of part 0 .*part 0 appears 2 times and part 2 is gone/);
});

test("a part file from another bundle under the same key is reported as foreign", async () => {
  const other = await sealRandom([150_000, 70_000, 200_000, 10], pristine.key, pristine.root);
  const dir = await copy();
  await copyFile(join(other.dir, other.info.parts[1]!.file), part(dir, 1));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_TAMPERED", new RegExp(`${files[1]} belongs to another bundle`));

  const swappedHeader = await copy();
  await copyFile(join(other.dir, HEADER_FILE), join(swappedHeader, HEADER_FILE));
  await rejectsWith(attempt(swappedHeader), "ERR_BUNDLE_INCOMPLETE", /may come from another bundle/);
});

test("truncation: at a chunk boundary, in the middle of a chunk, the final chunk exactly, inside the header", async () => {
  const cases: [number, RegExp][] = [
    [PH + 2 * SC, /cut at a chunk boundary \(2 of 4 chunks present\)/],
    [PH + SC + 1000, /cut in the middle of chunk 1/],
    [PH + 3 * SC, /final chunk is missing \(3 of 4 chunks present\)/],
    [PH, /cut at a chunk boundary \(0 of 4/],
    [20, /less than its 44-byte header/],
    [0, /truncated: 0 bytes/],
  ];
  for (const [len, message] of cases) {
    const dir = await copy();
    await truncate(part(dir, 2), len);
    await rejectsWith(attempt(dir), "ERR_BUNDLE_TRUNCATED", message);
  }
  const dir = await copy();
  await truncate(join(dir, HEADER_FILE), 30);
  await rejectsWith(attempt(dir), "ERR_BUNDLE_TRUNCATED", /bundle\.msplit is truncated/);
});

test("bytes appended to a part file are rejected", async () => {
  const dir = await copy();
  await appendFile(part(dir, 3), Buffer.alloc(16));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_TAMPERED", /16 bytes after its final chunk/);
});

test("an extra file or directory in the bundle is rejected", async () => {
  for (const name of ["notes.txt", ".DS_Store", randomBytes(16).toString("hex")]) {
    const dir = await copy();
    await writeFile(join(dir, name), "hello");
    await rejectsWith(attempt(dir), "ERR_BUNDLE_UNEXPECTED_FILE", new RegExp(name.replace(".", "\\.")));
  }
  const dir = await copy();
  await mkdir(join(dir, "sub"));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_UNEXPECTED_FILE", /"sub"/);
});

test("a renamed part file is missing, with a hint", async () => {
  const dir = await copy();
  await rename(part(dir, 0), join(dir, randomBytes(16).toString("hex")));
  await rejectsWith(attempt(dir), "ERR_BUNDLE_INCOMPLETE", /renamed part files\?/);
});

test("a wrong key is reported by the key check, before any decryption", async () => {
  const dir = await copy();
  await rejectsWith(openBundle(dir, randomBytes(32)), "ERR_KEY_MISMATCH", /wrong key/);
  // Even with a corrupted manifest, the key check speaks first.
  const bytes = await readFile(join(dir, HEADER_FILE));
  bytes[100]! ^= 0x80;
  await writeFile(join(dir, HEADER_FILE), bytes);
  await rejectsWith(openBundle(dir, randomBytes(32)), "ERR_KEY_MISMATCH");
  await rejectsWith(openBundle(dir, pristine.key), "ERR_BUNDLE_TAMPERED", /manifest.*failed authentication/);
});

test("a FIFO planted as a part file is rejected without blocking", async (t) => {
  const dir = await copy();
  await rm(part(dir, 1));
  if (spawnSync("mkfifo", [part(dir, 1)]).status !== 0) return t.skip("mkfifo unavailable");
  await rejectsWith(attempt(dir), "ERR_BUNDLE_INVALID", /not a regular file/);
});

test("files changed after openBundle are caught when the part is read", async () => {
  const dir = await copy();
  const b = await openBundle(dir, pristine.key);
  await copyFile(part(dir, 0), part(dir, 1));
  await rejectsWith(b.readPart(1), "ERR_BUNDLE_TAMPERED", /holds part 0 and does not belong at position 1/);

  const bytes = await readFile(part(dir, 2));
  bytes[PH + 2 * SC + 7]! ^= 1;
  await writeFile(part(dir, 2), bytes);
  let released = 0;
  await rejectsWith(
    (async () => {
      for await (const c of b.streamPart(2)) released += c.length;
    })(),
    "ERR_BUNDLE_TAMPERED",
    /part 2\) failed authentication at chunk 2 of 4/,
  );
  assert.equal(released, 2 * 65536, "only authenticated chunks before the damage were released");
});

test("not a bundle, another version, a pinned id that differs", async () => {
  const empty = join(pristine.root, `empty-${randomBytes(3).toString("hex")}`);
  await mkdir(empty);
  await rejectsWith(openBundle(empty, pristine.key), "ERR_BUNDLE_INVALID", /no bundle\.msplit/);
  await rejectsWith(openBundle(join(pristine.root, "nope"), pristine.key), "ERR_BUNDLE_INVALID");

  const dir = await copy();
  const bytes = await readFile(join(dir, HEADER_FILE));
  bytes.writeUInt16BE(2, 8);
  await writeFile(join(dir, HEADER_FILE), bytes);
  await rejectsWith(openBundle(dir, pristine.key), "ERR_BUNDLE_INVALID", /format version 2/);
  await writeFile(join(dir, HEADER_FILE), "{\"not\": \"a bundle\"}");
  await rejectsWith(openBundle(dir, pristine.key), "ERR_BUNDLE_INVALID", /wrong magic/);

  const pinned = await copy();
  await rejectsWith(openBundle(pinned, pristine.key, { expectId: "00".repeat(16) }), "ERR_BUNDLE_TAMPERED", /not the expected/);
  await openBundle(pinned, pristine.key, { expectId: pristine.info.id.toUpperCase() });
});
