import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isMsplitError } from "../../src/errors.js";
import {
  aesCmac,
  layoutOf,
  memoryPfSource,
  NODE_SIZE,
  normalizePfPath,
  openProtectedFile,
  PF_ERROR_CODES,
  type PfSink,
  type PfSource,
  type PfVersion,
  sealProtectedFile,
} from "../../src/seal/gramine-pf/index.js";
import { rejectsWith } from "../helpers/index.js";
import { PF_DIR, pfIndex, pfPlaintext, sha256, wrapKey } from "./gramine-pf-helpers.js";

/** A sink that assembles the host file in memory. */
function memorySink(): PfSink & { bytes(): Buffer; writes: { position: number; length: number }[] } {
  const chunks = new Map<number, Buffer>();
  const writes: { position: number; length: number }[] = [];
  return {
    writes,
    write: async (position, pieces) => {
      const b = Buffer.concat(pieces);
      writes.push({ position, length: b.byteLength });
      chunks.set(position, b);
    },
    bytes: () => {
      const end = Math.max(0, ...[...chunks].map(([p, b]) => p + b.byteLength));
      const out = Buffer.alloc(end);
      for (const [p, b] of chunks) b.copy(out, p);
      return out;
    },
  };
}

async function seal(plain: Buffer, version: PfVersion, path = "enc/x.bin", key: Buffer = wrapKey): Promise<Buffer> {
  const sink = memorySink();
  await sealProtectedFile(plain, plain.byteLength, key, sink, { path, version });
  return sink.bytes();
}

async function open(bytes: Uint8Array, expectedPath?: string, key: Buffer = wrapKey): Promise<Buffer> {
  const pf = await openProtectedFile(memoryPfSource(bytes), key, { expectedPath });
  return pf.readAll();
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMsplitError(e), `not an MsplitError: ${(e as Error)?.stack}`);
    assert.ok(!e.message.includes("\n"), "one-line message");
    return e.code;
  }
  return "OK";
}

describe("AES-CMAC (RFC 4493 section 4 examples)", () => {
  const key = Buffer.from("2b7e151628aed2a6abf7158809cf4f3c", "hex");
  const m = Buffer.from(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    "hex",
  );
  for (const [len, mac] of [
    [0, "bb1d6929e95937287fa37d129b756746"],
    [16, "070a16b46b4d4144f79bdd9dd04a287c"],
    [40, "dfa66747de9ae63030ca32611497c827"],
    [64, "51f0bebf7e3b9d92fc49741779363cfe"],
  ] as const) {
    test(`example with ${len}-byte message`, () => {
      assert.equal(aesCmac(key, m.subarray(0, len)).toString("hex"), mac);
    });
  }
});

describe("vectors made by the real gramine-sgx-pf-crypt (v1.8 and master)", () => {
  test("plaintexts from the README's formula match index.json", () => {
    for (const p of pfIndex.plaintexts) assert.equal(sha256(pfPlaintext(p.size)), p.sha256, p.file);
    assert.equal(wrapKey.toString("hex"), pfIndex.wrap_key_hex);
  });

  test("the only vectors not committed are the two 1.7 MB files the README names", () => {
    const missing = pfIndex.vectors.filter((v) => !existsSync(join(PF_DIR, v.file))).map((v) => v.file);
    assert.deepEqual(missing.sort(), ["v1/enc/size_1700000.bin", "v2/enc/size_1700000.bin"]);
  });

  for (const v of pfIndex.vectors.filter((v) => existsSync(join(PF_DIR, v.file)))) {
    test(`${v.file} decrypts to its plaintext, at its embedded path`, async () => {
      const bytes = readFileSync(join(PF_DIR, v.file));
      assert.equal(bytes.byteLength, v.file_size);
      assert.equal(sha256(bytes), v.file_sha256);
      const pf = await openProtectedFile(memoryPfSource(bytes), wrapKey, { expectedPath: v.embedded_path });
      assert.equal(pf.version, v.format_major_version);
      assert.equal(pf.path, v.embedded_path);
      assert.equal(pf.size, v.plaintext_size);
      assert.deepEqual(pf.layout, { dataNodes: v.data_nodes, mhtNodes: v.mht_nodes, nodes: v.total_nodes });
      const plain = await pf.readAll();
      assert.equal(plain.byteLength, v.plaintext_size);
      assert.equal(sha256(plain), v.plaintext_sha256);
    });
  }
});

/** index.json's failure names and the code msplit gives each (docs/gramine-pf-format.md, "Errors"). */
const EXPECTED: Record<string, { code: string; message?: RegExp }> = {
  DATA_NODE_AUTH_FAILED: { code: "ERR_PF_CORRUPTED", message: /data node 0 \(physical node 2/ },
  MHT_NODE_AUTH_FAILED: { code: "ERR_PF_CORRUPTED", message: /MHT node 0 \(physical node 1\)/ },
  METADATA_AUTH_FAILED: { code: "ERR_PF_KEY_MISMATCH", message: /wrong key, or its metadata node was modified/ },
  "METADATA_AUTH_FAILED (wrong key)": { code: "ERR_PF_KEY_MISMATCH" },
  TRUNCATED: { code: "ERR_PF_TRUNCATED", message: /2 of its 4 nodes/ },
  PATH_MISMATCH: { code: "ERR_PF_PATH_MISMATCH", message: /"enc\/other\.bin", not "enc\/size_7169\.bin"/ },
  INVALID_HEADER: { code: "ERR_PF_INVALID_HEADER", message: /GRAFS_PF/ },
  "INVALID_HEADER (size)": { code: "ERR_PF_INVALID_HEADER", message: /16385 bytes/ },
  INVALID_VERSION: { code: "ERR_PF_INVALID_VERSION", message: /major version 3/ },
};

describe("negative vectors fail with their expected kind of error", () => {
  for (const n of pfIndex.negatives) {
    test(`${n.file}: ${n.expected_failure}`, async () => {
      const expected = EXPECTED[n.expected_failure] ?? assert.fail(`no mapping for ${n.expected_failure}`);
      await rejectsWith(open(readFileSync(join(PF_DIR, n.file)), n.claimed_path), expected.code, expected.message);
    });
  }

  test("wrong_key.bin opens with the other key; wrong_path.bin opens without a path check (the tool without -V)", async () => {
    const other = readFileSync(join(PF_DIR, "negative", "other_wrap_key"));
    for (const n of pfIndex.negatives.filter((n) => n.decrypts_with || n.expected_failure === "PATH_MISMATCH")) {
      const bytes = readFileSync(join(PF_DIR, n.file));
      const plain = n.decrypts_with ? await open(bytes, n.claimed_path, other) : await open(bytes);
      assert.equal(sha256(plain), n.base_plaintext_sha256, n.file);
    }
  });
});

const GROUP = 3072 + 96 * NODE_SIZE;
/** 0 bytes to several MB: the metadata-only sizes, node edges, the 96-data-node edge, a second tree level (MHT 33 is a child of MHT 1). */
const SIZES = [0, 1, 3071, 3072, 3073, 4096, 7168, 7169, GROUP - 1, GROUP, GROUP + 1, 2 * GROUP, 400_000, 3072 + 33 * 96 * NODE_SIZE + 1];

describe("files msplit writes", () => {
  for (const version of [1, 2] as const) {
    test(`version ${version}: round trip and structure for ${SIZES.length} sizes`, async () => {
      for (const size of SIZES) {
        const plain = randomBytes(size);
        const file = await seal(plain, version, "./enc//x.bin");
        const { nodes, dataNodes, mhtNodes } = layoutOf(size);
        assert.equal(file.byteLength, nodes * NODE_SIZE, `size ${size}`);
        assert.equal(file.subarray(0, 8).toString("latin1"), "GRAFS_PF");
        assert.equal(file[8], version);
        assert.equal(file[9], 0);
        const blobEnd = (version === 1 ? 58 : 59) + 3884;
        if (version === 2) assert.equal(file[58], 0, "feature_flags");
        assert.ok(file.subarray(blobEnd, NODE_SIZE).every((b) => b === 0), "metadata padding is zero");
        assert.equal(mhtNodes, Math.ceil(dataNodes / 96));
        const pf = await openProtectedFile(memoryPfSource(file), wrapKey, { expectedPath: "enc/x.bin" });
        assert.equal(pf.path, "enc/x.bin");
        assert.ok((await pf.readAll()).equals(plain), `size ${size}`);
      }
    });
  }

  test("same structure as the real tool's output: node count and sizes of every vector", async () => {
    for (const v of pfIndex.vectors) {
      const ours = await seal(pfPlaintext(v.plaintext_size), v.format_major_version, v.embedded_path);
      assert.equal(ours.byteLength, v.file_size, v.file);
      assert.ok(ours.subarray(0, 10).equals(Buffer.from([...Buffer.from("GRAFS_PF"), v.format_major_version, 0])));
    }
  });

  test("every node has a fresh key: two encryptions of the same bytes share no ciphertext block", async () => {
    const plain = pfPlaintext(50_000);
    const [a, b] = [await seal(plain, 1), await seal(plain, 1)];
    // The encrypted metadata (bytes 58-3941 of node 0) and every later node.
    const blocks = (f: Buffer): string[] => {
      const out: string[] = [];
      for (let i = 58; i + 16 <= 58 + 3884; i += 16) out.push(f.subarray(i, i + 16).toString("hex"));
      for (let i = NODE_SIZE; i < f.byteLength; i += 16) out.push(f.subarray(i, i + 16).toString("hex"));
      return out;
    };
    const seen = new Set(blocks(a));
    assert.equal(blocks(b).filter((x) => seen.has(x)).length, 0);
  });

  test("any single flipped bit is refused with a protected-files error (except the unauthenticated minor version and feature_flags)", async () => {
    for (const version of [1, 2] as const) {
      const plain = randomBytes(2 * GROUP + 5000);
      const file = await seal(plain, version);
      const positions = [0, 7, 8, 10, 41, 42, 57, 60, 1000, 3940, 4095, 4096, 4096 + 4095, 8192, 2 * GROUP, file.byteLength - 1];
      for (let i = 0; i < 60; i++) positions.push(randomBytes(4).readUInt32BE() % file.byteLength);
      for (const pos of positions) {
        if (pos === 9 || (version === 2 && pos === 58)) continue;
        const bad = Buffer.from(file);
        bad[pos]! ^= 1 << (pos % 8);
        const code = await codeOf(open(bad, "enc/x.bin"));
        assert.ok(PF_ERROR_CODES.includes(code), `v${version} byte ${pos}: ${code}`);
      }
    }
  });

  test("a truncated or extended file is refused before any plaintext is released", async () => {
    const file = await seal(randomBytes(GROUP + 10), 1);
    await rejectsWith(open(file.subarray(0, file.byteLength - NODE_SIZE)), "ERR_PF_TRUNCATED");
    await rejectsWith(open(file.subarray(0, file.byteLength - 1)), "ERR_PF_INVALID_HEADER");
    await rejectsWith(open(Buffer.concat([file, Buffer.alloc(NODE_SIZE)])), "ERR_PF_CORRUPTED");
    await rejectsWith(open(Buffer.alloc(0)), "ERR_PF_INVALID_HEADER");
  });

  test("a node moved to another position fails (keys live in the parent)", async () => {
    const file = await seal(randomBytes(3072 + 3 * NODE_SIZE), 1);
    const swapped = Buffer.from(file);
    file.copy(swapped, 2 * NODE_SIZE, 3 * NODE_SIZE, 4 * NODE_SIZE);
    file.copy(swapped, 3 * NODE_SIZE, 2 * NODE_SIZE, 3 * NODE_SIZE);
    await rejectsWith(open(swapped), "ERR_PF_CORRUPTED");
  });

  test("wrap keys: exactly 16 bytes, not all zero; a wrong key is ERR_PF_KEY_MISMATCH", async () => {
    const file = await seal(randomBytes(10), 1);
    await rejectsWith(open(file, undefined, Buffer.alloc(16)), "ERR_KEY_INVALID");
    await rejectsWith(open(file, undefined, randomBytes(32)), "ERR_KEY_INVALID");
    await rejectsWith(open(file, undefined, randomBytes(16)), "ERR_PF_KEY_MISMATCH");
    await rejectsWith(seal(Buffer.alloc(1), 1, "x", randomBytes(15)), "ERR_KEY_INVALID");
  });

  test("embedded paths are normalized as Gramine does and checked exactly", async () => {
    for (const [input, normalized] of [
      ["./enc//x.bin", "enc/x.bin"],
      ["enc/x.bin/", "enc/x.bin"],
      ["a/./b/../c", "a/c"],
      ["../a/../../b", "../../b"],
      ["/../x", "/x"],
      ["//srv///m/", "/srv/m"],
      ["a/..", ""],
    ] as const)
      assert.equal(normalizePfPath(input), normalized, input);
    const file = await seal(Buffer.from("x"), 1, "./models//p.onnx");
    assert.equal((await open(file, "models/p.onnx")).toString(), "x");
    await rejectsWith(open(file, "models/p.onnx2"), "ERR_PF_PATH_MISMATCH");
    await rejectsWith(open(file, "/models/p.onnx"), "ERR_PF_PATH_MISMATCH");
    await rejectsWith(seal(Buffer.from("x"), 1, "a/.."), "ERR_USAGE");
    await rejectsWith(seal(Buffer.from("x"), 1, "p".repeat(772)), "ERR_USAGE");
    assert.equal((await open(await seal(Buffer.from("x"), 1, "p".repeat(771)), "p".repeat(771))).toString(), "x");
  });
});

describe("streaming: node by node, never the whole file", () => {
  test("encryption consumes its input as it writes groups", async () => {
    const size = 3072 + 5 * 96 * NODE_SIZE;
    let consumed = 0;
    async function* input(): AsyncGenerator<Buffer> {
      for (let off = 0; off < size; off += 65536) {
        const n = Math.min(65536, size - off);
        consumed += n;
        yield Buffer.alloc(n, 1);
      }
    }
    const lag: number[] = [];
    let written = 0;
    const sink: PfSink = {
      write: async (position, pieces) => {
        const node = position / NODE_SIZE;
        if (node === 0 || (node - 1) % 97 === 0) return; // metadata and MHT nodes
        written += pieces.reduce((s, p) => s + p.byteLength, 0);
        lag.push(consumed - (3072 + written));
      },
    };
    await sealProtectedFile(input(), size, wrapKey, sink, { path: "x" });
    assert.equal(lag.length, 5, "one write per group of 96 data nodes");
    // Input read ahead of the data written: less than one input piece.
    for (const l of lag) assert.ok(l < 65536, `read ${l} bytes ahead`);
  });

  test("decryption reads at most one group (97 nodes) at a time", async () => {
    const file = await seal(randomBytes(3072 + 4 * 96 * NODE_SIZE + 7), 2);
    let largest = 0;
    const source: PfSource = {
      length: file.byteLength,
      read: async (position, length) => {
        largest = Math.max(largest, length);
        return file.subarray(position, position + length);
      },
    };
    const pf = await openProtectedFile(source, wrapKey);
    let groups = 0;
    for await (const list of pf.pieces()) {
      groups++;
      assert.ok(list.reduce((s, b) => s + b.byteLength, 0) <= 96 * NODE_SIZE);
    }
    assert.equal(groups, 1 + 5);
    assert.equal(largest, 97 * NODE_SIZE);
  });

  test("a stream that delivers fewer or more bytes than declared is refused", async () => {
    const sink = memorySink();
    await rejectsWith(sealProtectedFile([Buffer.alloc(10)], 11, wrapKey, sink, { path: "x" }), "ERR_IO");
    await rejectsWith(sealProtectedFile([Buffer.alloc(12)], 11, wrapKey, sink, { path: "x" }), "ERR_IO");
  });
});
