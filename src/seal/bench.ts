import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { median } from "../util/stats.js";
import { collectChunks, memorySource, openChunks } from "./reader.js";
import { sealStream } from "./stream.js";

export interface DecryptBench {
  sizeBytes: number;
  runs: number;
  /** One createDecipheriv over the whole buffer: the ceiling for AES-256-GCM in this process. */
  rawGBps: number;
  /** The STREAM reader that readPart uses, fed from memory, into one output buffer. */
  streamGBps: number;
  /** The same reader plus the SHA-256 check readPart adds. */
  streamHashGBps: number;
  /** The reader consumed chunk by chunk (streamPart's bounded memory): no large output buffer. */
  streamBoundedGBps: number;
  /** streamGBps / rawGBps. */
  ratio: number;
}

/**
 * Decrypt throughput of one `sizeBytes` part through the STREAM reader versus raw AES-256-GCM
 * over the same bytes, both from memory so the disk does not blur the comparison. Runs of the
 * two alternate, and medians are reported, so both see the same machine state.
 */
export async function benchDecrypt(sizeBytes = 96 * 1024 * 1024, runs = 5): Promise<DecryptBench> {
  const { variants, plainSha256 } = decryptVariants(sizeBytes);
  // Every variant must decrypt exactly the plaintext before its speed means anything.
  for (const [name, run] of Object.entries(variants)) {
    const h = createHash("sha256");
    await run((c) => h.update(c));
    if (!h.digest().equals(plainSha256)) throw new Error(`benchmark ${name} decrypted the wrong bytes`);
  }
  const times: Record<VariantName, number[]> = { raw: [], stream: [], streamHash: [], bounded: [] };
  const names = Object.keys(variants) as VariantName[];
  for (let r = 0; r < runs; r++) {
    for (const name of names) {
      const t0 = process.hrtime.bigint();
      await variants[name](() => {});
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  const gbps = (ts: number[]): number => sizeBytes / median(ts) / 1e9;
  const rawGBps = gbps(times.raw);
  const streamGBps = gbps(times.stream);
  return {
    sizeBytes,
    runs,
    rawGBps,
    streamGBps,
    streamHashGBps: gbps(times.streamHash),
    streamBoundedGBps: gbps(times.bounded),
    ratio: streamGBps / rawGBps,
  };
}

export type VariantName = "raw" | "stream" | "streamHash" | "bounded";
/** Decrypts the benchmark's bytes, handing the plaintext to `sink` (whole or chunk by chunk). */
export type DecryptVariant = (sink: (plain: Buffer) => void) => Promise<void>;

/**
 * The decryption paths the benchmark compares, over one random `sizeBytes` plaintext, with the
 * plaintext's SHA-256 so that a caller can check each path's output without keeping a copy.
 */
export function decryptVariants(sizeBytes: number): { variants: Record<VariantName, DecryptVariant>; plainSha256: Buffer } {
  const key = randomBytes(32);
  const aad = randomBytes(52);
  const plain = randomBytes(sizeBytes);
  const plainSha256 = createHash("sha256").update(plain).digest();
  const sealed = Buffer.concat([...sealStream(key, aad, plain)]);
  const iv = randomBytes(12);
  const enc = createCipheriv("aes-256-gcm", key, iv);
  enc.setAAD(aad);
  const rawCt = Buffer.concat([enc.update(plain), enc.final()]);
  const rawTag = enc.getAuthTag();
  const chunks = () => openChunks(memorySource(sealed), key, aad, sizeBytes, "bench");

  const variants: Record<VariantName, DecryptVariant> = {
    raw: async (sink) => {
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAAD(aad);
      d.setAuthTag(rawTag);
      const out = d.update(rawCt);
      d.final();
      sink(out);
    },
    stream: async (sink) => sink(await collectChunks(chunks(), sizeBytes)),
    streamHash: async (sink) => {
      const h = createHash("sha256");
      sink(await collectChunks(tap(chunks(), (c) => h.update(c)), sizeBytes));
      h.digest();
    },
    bounded: async (sink) => {
      for await (const c of chunks()) sink(c);
    },
  };
  return { variants, plainSha256 };
}

async function* tap(chunks: AsyncIterable<Buffer>, f: (c: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    f(c);
    yield c;
  }
}


// `node --import tsx src/seal/bench.ts [MiB]` prints one JSON line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mib = Number(process.argv[2] ?? 96);
  console.log(JSON.stringify(await benchDecrypt(mib * 1024 * 1024)));
}
