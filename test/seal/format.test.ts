import assert from "node:assert/strict";
import { createDecipheriv, createHash, hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as sealErrors from "../../src/seal/errors.js";
import * as seal from "../../src/seal/index.js";
import { MAX_PARTS, MAX_SEALED_MANIFEST } from "../../src/seal/format.js";
import { generateKey, HEADER_FILE } from "../../src/seal/index.js";
import { KEY_SIZE } from "../../src/seal/kdf.js";
import { CHUNK_SIZE } from "../../src/seal/stream.js";
import { markdownTable } from "../helpers/markdown.js";
import { type Sealed, sealRandom, tempDir } from "./helpers.js";

/**
 * docs/bundle-format.md against the code: the tables of the doc are parsed, and a bundle made by
 * the code is decoded by a small reader written from the doc alone (no imports from src/seal).
 */

const DOC = fileURLToPath(new URL("../../docs/bundle-format.md", import.meta.url));
let doc: string;
let sealed: Sealed;

before(async () => {
  doc = await readFile(DOC, "utf8");
  sealed = await sealRandom([0, 65536, 70_000]);
});

function table(heading: string): Record<string, string>[] {
  return markdownTable(doc, heading);
}

type Field = { field: string; offset: number; size: number | "rest"; encoding: string };
function layout(heading: string): Field[] {
  const fields = table(heading).map((r) => ({
    field: r.field!,
    offset: Number(r.offset),
    size: r.size === "rest" ? ("rest" as const) : Number(r.size),
    encoding: r.encoding!,
  }));
  fields.forEach((f, i) => {
    if (i > 0) assert.equal(f.offset, fields[i - 1]!.offset + (fields[i - 1]!.size as number), `${heading}: ${f.field} is not contiguous`);
  });
  return fields;
}
const field = (fields: Field[], name: string): Field => fields.find((f) => f.field === name) ?? assert.fail(`no field ${name}`);
const slice = (b: Buffer, f: Field): Buffer => b.subarray(f.offset, f.size === "rest" ? undefined : f.offset + f.size);
const magicOf = (f: Field): Buffer => Buffer.from(/`([0-9A-F ]+)`/.exec(f.encoding)![1]!.replace(/ /g, ""), "hex");

/** HKDF per the "Keys" table: info strings and lengths come from the doc. */
function derive(purpose: string, index?: number): Buffer {
  const row = table("## Keys").find((r) => r.purpose === purpose) ?? assert.fail(`no key purpose ${purpose}`);
  let info = Buffer.from(/`([^`]+)`/.exec(row.info!)![1]!, "ascii");
  if (row.info!.includes("u32be(index)")) info = Buffer.concat([info, u32(index!)]);
  return Buffer.from(hkdfSync("sha256", sealed.key, Buffer.from(sealed.info.id, "hex"), info, Number(row.length)));
}
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** STREAM as the doc describes it: 64 KiB chunks, 16-byte tags, nonce = u88be(i) || final flag. */
function docStreamOpen(key: Buffer, aad: Buffer, sealedBytes: Buffer): Buffer {
  const out: Buffer[] = [];
  const step = 65536 + 16;
  const n = Math.max(1, Math.ceil(sealedBytes.length / step));
  for (let i = 0; i < n; i++) {
    const c = sealedBytes.subarray(i * step, (i + 1) * step);
    const nonce = Buffer.concat([Buffer.alloc(7), u32(i), Buffer.from([i === n - 1 ? 1 : 0])]);
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    d.setAAD(aad);
    d.setAuthTag(c.subarray(c.length - 16));
    out.push(d.update(c.subarray(0, c.length - 16)));
    d.final();
  }
  return Buffer.concat(out);
}

test("the header file matches the documented layout, key check and manifest encryption", async () => {
  const fields = layout("Header file");
  const bytes = await readFile(join(sealed.dir, HEADER_FILE));
  assert.ok(slice(bytes, field(fields, "magic")).equals(magicOf(field(fields, "magic"))));
  assert.equal(slice(bytes, field(fields, "version")).readUInt16BE(), 1);
  assert.equal(slice(bytes, field(fields, "reserved")).readUInt16BE(), 0);
  assert.equal(slice(bytes, field(fields, "bundle_id")).toString("hex"), sealed.info.id);
  assert.ok(slice(bytes, field(fields, "key_check")).equals(derive("key check")));

  const manifestAt = field(fields, "manifest").offset;
  assert.match(doc, new RegExp(`The header is ${manifestAt} bytes`));
  const manifest = JSON.parse(docStreamOpen(derive("manifest key"), bytes.subarray(0, manifestAt), slice(bytes, field(fields, "manifest"))).toString("utf8"));
  assert.equal(manifest.v, 1);
  assert.deepEqual(
    manifest.parts.map((p: { file: string; size: number; sha256: string }) => [p.file, p.size, p.sha256]),
    sealed.info.parts.map((p) => [p.file, p.size, p.sha256]),
  );
  assert.deepEqual(manifest.plan, { parts: 3 });
});

test("part files match the documented layout, tag, size formula and payload encryption", async () => {
  const fields = layout("Part file");
  const n = sealed.parts.length;
  for (let i = 0; i < n; i++) {
    const bytes = await readFile(join(sealed.dir, sealed.info.parts[i]!.file));
    const P = sealed.parts[i]!.length;
    const head = field(fields, "payload").offset;
    assert.equal(bytes.length, head + P + 16 * Math.max(1, Math.ceil(P / 65536)), "documented file size");
    assert.ok(slice(bytes, field(fields, "magic")).equals(magicOf(field(fields, "magic"))));
    assert.equal(slice(bytes, field(fields, "version")).readUInt16BE(), 1);
    assert.equal(slice(bytes, field(fields, "bundle_id")).toString("hex"), sealed.info.id);
    assert.ok(slice(bytes, field(fields, "part_tag")).equals(derive("part tag", i)));
    const aad = Buffer.concat([bytes.subarray(0, head), u32(i), u32(n)]);
    const plain = docStreamOpen(derive("part key", i), aad, slice(bytes, field(fields, "payload")));
    assert.ok(plain.equals(sealed.parts[i]!), `part ${i} decodes as documented`);
    assert.equal(createHash("sha256").update(plain).digest("hex"), sealed.info.parts[i]!.sha256);
  }
});

test("wrapped key files match the documented layout", async () => {
  const dir = await tempDir();
  await generateKey(join(dir, "kek"));
  await generateKey(join(dir, "w"), { wrapWith: join(dir, "kek") });
  const fields = layout("Wrapped key file");
  const bytes = await readFile(join(dir, "w"));
  const last = fields.at(-1)!;
  assert.equal(bytes.length, last.offset + (last.size as number));
  assert.match(doc, new RegExp(`The file is ${bytes.length} bytes`));
  assert.ok(slice(bytes, field(fields, "magic")).equals(magicOf(field(fields, "magic"))));
  assert.equal(slice(bytes, field(fields, "version")).readUInt16BE(), 1);
  assert.equal(slice(bytes, field(fields, "algorithm")).readUInt16BE(), 1);
  const kek = await readFile(join(dir, "kek"));
  const d = createDecipheriv("id-aes256-wrap", kek, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
  assert.equal(Buffer.concat([d.update(slice(bytes, field(fields, "wrapped"))), d.final()]).length, 32);
});

test("the doc's error codes are exactly the codes src/seal/errors.ts defines", () => {
  const documented = table("Error codes").map((r) => r.code!.replace(/`/g, "")).sort();
  const defined = (Object.values(sealErrors) as unknown[])
    .filter((v): v is { code: string } => typeof v === "function" && typeof (v as { code?: unknown }).code === "string")
    .map((c) => c.code)
    .sort();
  for (const code of defined) assert.ok(Object.values(seal).some((v) => (v as { code?: unknown }).code === code), `${code} is exported`);
  assert.deepEqual(documented, defined);
});

test("the doc's constants agree with the code", () => {
  assert.match(doc, new RegExp(`chunks of ${CHUNK_SIZE} bytes`));
  assert.match(doc, new RegExp(`at most ${MAX_PARTS}\\)`));
  assert.match(doc, new RegExp(`at most ${MAX_SEALED_MANIFEST / 1024 / 1024} MiB`));
  assert.match(doc, new RegExp(`\`${HEADER_FILE.replace(".", "\\.")}\``));
  assert.match(doc, new RegExp(`exactly ${KEY_SIZE} raw bytes`));
  assert.match(doc, new RegExp(`version ${seal.FORMAT_VERSION}\\b`));
});
