import assert from "node:assert/strict";
import { createDecipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as pfErrors from "../../src/seal/gramine-pf/errors.js";
import { aesCmac } from "../../src/seal/gramine-pf/cmac.js";
import { HEADER, KDF_INPUT_SIZE, METADATA, METADATA_SIZE, metadataKey, metadataOffset } from "../../src/seal/gramine-pf/format.js";
import { memoryPfSource, openProtectedFile, sealProtectedFile } from "../../src/seal/gramine-pf/index.js";
import { markdownTable } from "../helpers/markdown.js";
import { PF_DIR, pfPlaintext, wrapKey } from "./gramine-pf-helpers.js";

/**
 * docs/gramine-pf-format.md against the code: its tables are parsed and compared with the
 * constants, and a small reader written from the doc alone walks the tree of a file the real tool
 * made and of one msplit made, to compare their structure entry by entry.
 */

const doc = readFileSync(fileURLToPath(new URL("../../docs/gramine-pf-format.md", import.meta.url)), "utf8");

const table = (heading: string): Record<string, string>[] => markdownTable(doc, heading);

const fieldsOf = (heading: string): Map<string, { offset: number; size: number; encoding: string }> =>
  new Map(table(heading).map((r) => [r.field!, { offset: Number(r.offset), size: Number(r.size), encoding: r.encoding! }]));

test("the header table matches the code", () => {
  const f = fieldsOf("### Metadata node header");
  assert.deepEqual(f.get("file_id"), { offset: HEADER.fileId, size: 8, encoding: 'bytes `47 52 41 46 53 5F 50 46` ("GRAFS_PF")' });
  assert.equal(Buffer.from("4752414653 5F5046".replace(/ /g, ""), "hex").toString(), "GRAFS_PF");
  assert.equal(f.get("major_version")!.offset, HEADER.majorVersion);
  assert.equal(f.get("minor_version")!.offset, HEADER.minorVersion);
  assert.deepEqual([f.get("metadata_key_nonce")!.offset, f.get("metadata_key_nonce")!.size], [HEADER.nonce, HEADER.nonceSize]);
  assert.deepEqual([f.get("metadata_tag")!.offset, f.get("metadata_tag")!.size], [HEADER.tag, HEADER.tagSize]);
  assert.equal(f.get("feature_flags")!.offset, HEADER.featureFlags);
  assert.equal(metadataOffset(1), HEADER.tag + HEADER.tagSize);
  assert.equal(metadataOffset(2), HEADER.featureFlags + 1);
  assert.ok(doc.includes(`The encrypted metadata (${METADATA_SIZE} bytes) follows at offset ${metadataOffset(1)} in version 1 and ${metadataOffset(2)} in version 2`));
});

test("the decrypted-metadata table matches the code", () => {
  const f = fieldsOf("### Decrypted metadata");
  assert.deepEqual([f.get("file_path")!.offset, f.get("file_path")!.size], [METADATA.path, METADATA.pathSize]);
  assert.equal(f.get("file_size")!.offset, METADATA.fileSize);
  assert.equal(f.get("root_mht_key")!.offset, METADATA.rootKey);
  assert.equal(f.get("root_mht_tag")!.offset, METADATA.rootTag);
  assert.equal(f.get("file_data")!.offset, METADATA.data);
  const total = [...f.values()].reduce((s, x) => s + x.size, 0);
  assert.equal(total, METADATA_SIZE);
});

test("the metadata key follows the KDF table", () => {
  const f = fieldsOf("### Metadata key");
  const input = Buffer.alloc([...f.values()].reduce((s, x) => s + x.size, 0));
  assert.equal(input.byteLength, KDF_INPUT_SIZE);
  const nonce = Buffer.alloc(32, 0xa5);
  input.writeUInt32LE(Number(/u32, (\d+)/.exec(f.get("counter")!.encoding)![1]), f.get("counter")!.offset);
  input.write(/`([^`]+)`/.exec(f.get("label")!.encoding)![1]!, f.get("label")!.offset, "ascii");
  nonce.copy(input, f.get("nonce")!.offset);
  input.writeUInt32LE(Number(/u32, (\d+)/.exec(f.get("output_bits")!.encoding)![1]), f.get("output_bits")!.offset);
  assert.ok(metadataKey(wrapKey, nonce).equals(aesCmac(wrapKey, input)));
});

test("the error table lists exactly the error classes", () => {
  const codes = table("## Errors").map((r) => r.code!.replace(/`/g, ""));
  const classes = Object.values(pfErrors).filter((c): c is typeof pfErrors.PfCorrupted => typeof c === "function" && "code" in c);
  assert.deepEqual(codes.sort(), classes.map((c) => c.code).sort());
  assert.deepEqual([...pfErrors.PF_ERROR_CODES].sort(), codes.sort());
});

/** A reader from the doc: returns, for each MHT node, which of its 128 entries are non-zero. */
function docTree(file: Buffer): { size: number; path: string; occupancy: string[] } {
  const gcm = (key: Buffer, tag: Buffer, ct: Buffer): Buffer => {
    const d = createDecipheriv("aes-128-gcm", key, Buffer.alloc(12));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  };
  const version = file[8]!;
  const off = version === 1 ? 58 : 59;
  const kdf = Buffer.alloc(104);
  kdf.writeUInt32LE(1, 0);
  kdf.write("SGX-PROTECTED-FS-METADATA-KEY", 4);
  file.copy(kdf, 68, 10, 42);
  kdf.writeUInt32LE(128, 100);
  const md = gcm(aesCmac(wrapKey, kdf), file.subarray(42, 58), file.subarray(off, off + 3884));
  const size = Number(md.readBigUInt64LE(772));
  const path = md.subarray(0, md.indexOf(0)).toString();
  const d = Math.max(0, Math.ceil((size - 3072) / 4096));
  const m = Math.ceil(d / 96);
  const mht: Buffer[] = [];
  const occupancy: string[] = [];
  for (let k = 0; k < m; k++) {
    const at = (1 + 97 * k) * 4096;
    const [key, tag] =
      k === 0
        ? [md.subarray(780, 796), md.subarray(796, 812)]
        : [mht[Math.floor((k - 1) / 32)]!.subarray((96 + ((k - 1) % 32)) * 32, (96 + ((k - 1) % 32)) * 32 + 16), mht[Math.floor((k - 1) / 32)]!.subarray((96 + ((k - 1) % 32)) * 32 + 16, (96 + ((k - 1) % 32)) * 32 + 32)];
    mht.push(gcm(Buffer.from(key), Buffer.from(tag), file.subarray(at, at + 4096)));
    let occ = "";
    for (let e = 0; e < 128; e++) occ += mht[k]!.subarray(e * 32, e * 32 + 32).some((b) => b !== 0) ? "1" : "0";
    occupancy.push(occ);
  }
  return { size, path, occupancy };
}

test("an msplit file has the same tree as the real tool's (entries used, unused entries zero), for both versions", async () => {
  for (const version of [1, 2] as const) {
    const real = readFileSync(join(PF_DIR, `v${version}`, "enc", "size_400000.bin"));
    const plain = pfPlaintext(400_000);
    const chunks = new Map<number, Buffer>();
    await sealProtectedFile(plain, plain.byteLength, wrapKey, { write: async (p, pieces) => void chunks.set(p, Buffer.concat(pieces)) }, { path: "enc/size_400000.bin", version });
    const ours = Buffer.alloc(real.byteLength);
    for (const [p, b] of chunks) b.copy(ours, p);
    const a = docTree(real);
    const b = docTree(ours);
    assert.deepEqual(b, a);
    assert.equal(a.occupancy.length, 2);
    assert.equal(a.occupancy[0], "1".repeat(97) + "0".repeat(31));
    // And the code agrees with the doc reader.
    const pf = await openProtectedFile(memoryPfSource(ours), wrapKey, { expectedPath: a.path });
    assert.ok((await pf.readAll()).equals(plain));
  }
});
