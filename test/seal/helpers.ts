import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type BundleInfo, openBundle, sealBundle } from "../../src/seal/index.js";

const made: string[] = [];
// Registered at load, at the file's top level: an `after` registered inside a hook would run too early.
after(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

/** A fresh temporary directory, removed when the test file ends. */
export async function tempDir(prefix = "msplit-seal-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface Sealed {
  root: string;
  dir: string;
  key: Buffer;
  info: BundleInfo;
  parts: Buffer[];
}

/** Seals random parts of the given sizes into `<tempdir>/bundle`. */
export async function sealRandom(sizes: number[], key: Buffer = randomBytes(32), root?: string): Promise<Sealed> {
  const base = root ?? (await tempDir());
  const parts = sizes.map((n) => randomBytes(n));
  const dir = join(base, `bundle-${randomBytes(3).toString("hex")}`);
  const info = await sealBundle(
    dir,
    parts.map((bytes, i) => ({ bytes, signature: { inputs: [{ name: `in${i}`, dtype: "float", shape: [1, 3] }] } })),
    key,
    { plan: { parts: sizes.length } },
  );
  return { root: base, dir, key, info, parts };
}

/** Opens the bundle and reads every part; resolves only if everything checked out. */
export async function openAndReadAll(dir: string, key: Uint8Array): Promise<Buffer[]> {
  const b = await openBundle(dir, key);
  const out: Buffer[] = [];
  for (let i = 0; i < b.partCount; i++) out.push(await b.readPart(i));
  return out;
}

