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
  const key = randomBytes(32);
  const aad = randomBytes(52);
  const plain = randomBytes(sizeBytes);
  const sealed = Buffer.concat([...sealStream(key, aad, plain)]);
  const iv = randomBytes(12);
  const enc = createCipheriv("aes-256-gcm", key, iv);
  enc.setAAD(aad);
  const rawCt = Buffer.concat([enc.update(plain), enc.final()]);
  const rawTag = enc.getAuthTag();

  const raw = async (): Promise<Buffer> => {
    const d = createDecipheriv("aes-256-gcm", key, iv);
    d.setAAD(aad);
    d.setAuthTag(rawTag);
    const out = d.update(rawCt);
    d.final();
    return out;
  };
  const stream = (): Promise<Buffer> => collectChunks(openChunks(memorySource(sealed), key, aad, sizeBytes, "bench"), sizeBytes);
  const streamHash = async (): Promise<Buffer> => {
    const h = createHash("sha256");
    const out = await collectChunks(tap(openChunks(memorySource(sealed), key, aad, sizeBytes, "bench"), (c) => h.update(c)), sizeBytes);
    h.digest();
    return out;
  };

  const bounded = async (): Promise<Buffer> => {
    for await (const c of openChunks(memorySource(sealed), key, aad, sizeBytes, "bench")) void c;
    return plain;
  };

  const times = { raw: [] as number[], stream: [] as number[], streamHash: [] as number[], bounded: [] as number[] };
  await raw(); // warm-up: JIT and first-touch of the allocator
  await stream();
  for (let r = 0; r < runs; r++) {
    for (const [name, f] of [["raw", raw], ["stream", stream], ["streamHash", streamHash], ["bounded", bounded]] as const) {
      const t0 = process.hrtime.bigint();
      const out = await f();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e9);
      if (r === 0 && !out.equals(plain)) throw new Error(`benchmark ${name} decrypted the wrong bytes`);
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
