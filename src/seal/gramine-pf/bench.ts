import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "../../util/stats.js";
import { pfDecryptFile, pfEncryptFile } from "./files.js";
import { memoryPfSource, openProtectedFile } from "./open.js";
import { sealProtectedFile } from "./seal.js";

export interface PfBench {
  sizeBytes: number;
  runs: number;
  /** AES-128-GCM over the same bytes with one key, 64 KiB per update: the ceiling in this process. */
  rawEncryptMBps: number;
  rawDecryptMBps: number;
  /** The protected-files codec from memory to memory. */
  encryptMBps: number;
  decryptMBps: number;
  /** `msplit pf encrypt` / `decrypt`'s library calls, file to file (page cache, temp directory). */
  fileEncryptMBps: number;
  fileDecryptMBps: number;
  /** Codec / raw. */
  encryptRatio: number;
  decryptRatio: number;
}

const PIECE = 1 << 16;

/**
 * Protected-files throughput against raw AES-128-GCM in the same process: the variants alternate
 * run by run and medians are reported, so all see the same machine state. MB = 10^6 bytes.
 */
export async function benchPf(sizeBytes = 100_000_000, runs = 5): Promise<PfBench> {
  const key = randomBytes(16);
  const plain = randomBytes(sizeBytes);
  const iv = Buffer.alloc(12);
  const dir = await mkdtemp(join(tmpdir(), "msplit-bench-pf-"));
  try {
    const plainPath = join(dir, "plain.bin");
    await writeFile(plainPath, plain);
    let sealed = Buffer.alloc(0);
    const out = Buffer.allocUnsafeSlow(sizeBytes);
    let rawTag = Buffer.alloc(16);
    const pieces: Buffer[] = [];
    const variants: [string, () => Promise<void>][] = [
      ["rawEncrypt", async () => {
        const c = createCipheriv("aes-128-gcm", key, iv);
        pieces.length = 0;
        for (let o = 0; o < sizeBytes; o += PIECE) pieces.push(c.update(plain.subarray(o, o + PIECE)));
        c.final();
        rawTag = c.getAuthTag();
      }],
      ["rawDecrypt", async () => {
        const d = createDecipheriv("aes-128-gcm", key, iv);
        d.setAuthTag(rawTag);
        for (const p of pieces) d.update(p);
        d.final();
      }],
      ["encrypt", async () => {
        // Ciphertext is kept, not copied into one file image: that copy is the sink's business.
        const parts = new Map<number, readonly Uint8Array[]>();
        const r = await sealProtectedFile(plain, sizeBytes, key, { write: async (p, list) => void parts.set(p, list) }, { path: "bench.bin" });
        if (sealed.byteLength === 0) {
          sealed = Buffer.alloc(r.nodes * 4096);
          for (const [p, list] of parts) Buffer.concat(list).copy(sealed, p);
        }
      }],
      ["decrypt", async () => {
        const pf = await openProtectedFile(memoryPfSource(sealed), key);
        await pf.readAll(out);
      }],
      ["fileEncrypt", async () => {
        await pfEncryptFile(plainPath, join(dir, "enc.bin"), key, { overwrite: true });
      }],
      ["fileDecrypt", async () => {
        await pfDecryptFile(join(dir, "enc.bin"), join(dir, "dec.bin"), key, { overwrite: true });
      }],
    ];
    const times: Record<string, number[]> = {};
    for (const [, f] of variants) await f(); // warm-up
    if (!out.subarray(0, sizeBytes).equals(plain)) throw new Error("benchmark decrypted the wrong bytes");
    for (let r = 0; r < runs; r++)
      for (const [name, f] of variants) {
        const t0 = process.hrtime.bigint();
        await f();
        (times[name] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
    const mbps = (name: string): number => sizeBytes / median(times[name]!) / 1e6;
    return {
      sizeBytes,
      runs,
      rawEncryptMBps: mbps("rawEncrypt"),
      rawDecryptMBps: mbps("rawDecrypt"),
      encryptMBps: mbps("encrypt"),
      decryptMBps: mbps("decrypt"),
      fileEncryptMBps: mbps("fileEncrypt"),
      fileDecryptMBps: mbps("fileDecrypt"),
      encryptRatio: mbps("encrypt") / mbps("rawEncrypt"),
      decryptRatio: mbps("decrypt") / mbps("rawDecrypt"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
