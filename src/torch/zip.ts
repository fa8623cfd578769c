import type { FileHandle } from "node:fs/promises";
import yauzl from "yauzl";
import { openUntrusted } from "../util/untrusted-file.js";
import type { Entry, ZipFile } from "yauzl";
import { TorchInvalid, TorchLimitExceeded, TorchUnsupported } from "./errors.js";
import { resolveLimits } from "./limits.js";
import type { TorchLimits } from "./limits.js";
import { readDeflated } from "./zip-inflate.js";

/** The parts of torch's zip serialization msplit uses; names are relative to the archive's top folder. */
export interface TorchArchive {
  readonly path: string;
  /** The top folder every record sits in (torch uses the file's stem, or `archive`). */
  readonly prefix: string;
  readonly fileSize: number;
  /** The limits in force, resolved against this file's size. */
  readonly limits: TorchLimits;
  /** Uncompressed size of record `name` (e.g. `data.pkl`, `data/0`), or undefined if absent. */
  size(name: string): number | undefined;
  /** Reads one record into a fresh, 8-byte-aligned buffer. */
  read(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

const STORED = 0;
const DEFLATED = 8;
/** Deflate cannot expand more than ~1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1032;
const ENCRYPTED = 0x1;
const CENTRAL_HEADER_BYTES = 46;

/** Opens a torch zip checkpoint and indexes its records; nothing but data.pkl's bytes are checked for content here. */
export async function openTorchArchive(path: string, overrides: Partial<TorchLimits> = {}): Promise<TorchArchive> {
  const { fh, size: fileSize } = await openUntrusted(path, "checkpoint");
  try {
    const limits = resolveLimits(fileSize, overrides);
    await checkMagic(fh, path, fileSize);
    const zip = await fromFd(fh, path);
    const entries = await indexEntries(zip, path, fileSize, limits);
    return new Archive(path, fh, zip, fileSize, findPrefix(entries, path), entries, limits);
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function checkMagic(fh: FileHandle, path: string, fileSize: number): Promise<void> {
  const head = new Uint8Array(4);
  await fh.read(head, 0, 4, 0);
  if (fileSize >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return;
  if (head[0] === 0x80 && fileSize >= 2) {
    throw new TorchUnsupported(`${path} is a legacy (pre-1.6, non-zip) torch file; re-save it with torch>=1.6 using torch.save(obj, path)`);
  }
  throw new TorchInvalid(`${path} is not a PyTorch checkpoint (no zip signature)`);
}

function fromFd(fh: FileHandle, path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings:false hands us raw names so we can validate them ourselves with stable errors.
    yauzl.fromFd(fh.fd, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err) reject(zipError(path, err));
      else resolve(zip);
    });
  });
}

async function indexEntries(zip: ZipFile, path: string, fileSize: number, limits: TorchLimits): Promise<Map<string, Entry>> {
  if (zip.entryCount > limits.maxEntries) throw new TorchLimitExceeded(`${path} declares ${zip.entryCount} zip entries (limit ${limits.maxEntries})`);
  if (zip.entryCount * CENTRAL_HEADER_BYTES > fileSize) throw new TorchInvalid(`${path}: invalid zip: ${zip.entryCount} entries cannot fit in ${fileSize} bytes`);
  const entries = new Map<string, Entry>();
  let stored = 0;
  let inflated = 0;
  try {
    for await (const e of zip.eachEntry()) {
      const name = entryName(e, path);
      if (entries.has(name)) throw new TorchInvalid(`${path}: invalid zip: duplicate entry '${name}'`);
      checkEntry(e, name, path, fileSize);
      stored += e.compressedSize;
      if (e.compressionMethod === DEFLATED) inflated += e.uncompressedSize;
      entries.set(name, e);
    }
  } catch (e) {
    throw zipError(path, e);
  }
  // Entries of a real zip do not overlap, so together they cannot hold more bytes than the file.
  if (stored > fileSize) throw new TorchInvalid(`${path}: invalid zip: entries declare ${stored} bytes in a ${fileSize}-byte file`);
  if (inflated > limits.maxInflatedBytes) {
    throw new TorchLimitExceeded(`${path}: compressed entries expand to ${inflated} bytes (limit ${limits.maxInflatedBytes})`);
  }
  return entries;
}

function entryName(e: Entry, path: string): string {
  const raw = e.fileNameRaw;
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new TorchInvalid(`${path}: zip entry name is not valid UTF-8`);
  }
  const shown = JSON.stringify(name.slice(0, 100));
  if (name.length === 0 || name.startsWith("/") || /^[A-Za-z]:/.test(name) || /[\\\0]/.test(name)) {
    throw new TorchInvalid(`${path}: unsafe zip entry name ${shown} (absolute or with backslash/NUL)`);
  }
  if (name.split("/").some((part) => part === ".." || part === ".")) {
    throw new TorchInvalid(`${path}: unsafe zip entry name ${shown} (path traversal)`);
  }
  return name;
}

function checkEntry(e: Entry, name: string, path: string, fileSize: number): void {
  if (e.generalPurposeBitFlag & ENCRYPTED) throw new TorchUnsupported(`${path}: zip entry '${name}' is encrypted`);
  if (e.compressionMethod !== STORED && e.compressionMethod !== DEFLATED) {
    throw new TorchUnsupported(`${path}: zip entry '${name}' uses compression method ${e.compressionMethod} (only stored and deflate)`);
  }
  if (e.compressedSize > fileSize || e.relativeOffsetOfLocalHeader >= fileSize) {
    throw new TorchInvalid(`${path}: zip entry '${name}' declares ${e.compressedSize} bytes at offset ${e.relativeOffsetOfLocalHeader}, beyond the ${fileSize}-byte file`);
  }
  if (e.compressionMethod === DEFLATED && e.uncompressedSize > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
    throw new TorchInvalid(`${path}: zip entry '${name}' declares ${e.uncompressedSize} bytes from ${e.compressedSize} compressed, more than deflate can produce`);
  }
}

/** torch puts every record under one top folder; it is whatever folder holds data.pkl. */
function findPrefix(entries: Map<string, Entry>, path: string): string {
  const pkls = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length === 0) throw new TorchInvalid(`${path} is a zip but not a PyTorch checkpoint (no <folder>/data.pkl)`);
  if (pkls.length > 1) throw new TorchInvalid(`${path}: ambiguous checkpoint with ${pkls.length} data.pkl records`);
  const prefix = pkls[0]!.slice(0, -"/data.pkl".length);
  if (entries.has(`${prefix}/constants.pkl`) || [...entries.keys()].some((n) => n.startsWith(`${prefix}/code/`))) {
    throw new TorchUnsupported(`${path} is a TorchScript archive (torch.jit.save); save the weights with torch.save(model.state_dict(), path)`);
  }
  return prefix;
}

class Archive implements TorchArchive {
  private inflated = 0;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly zip: ZipFile,
    readonly fileSize: number,
    readonly prefix: string,
    private readonly entries: Map<string, Entry>,
    readonly limits: TorchLimits,
  ) {}

  size(name: string): number | undefined {
    return this.entries.get(`${this.prefix}/${name}`)?.uncompressedSize;
  }

  async read(name: string): Promise<Uint8Array> {
    const e = this.entries.get(`${this.prefix}/${name}`);
    if (!e) throw new TorchInvalid(`${this.path}: missing record '${this.prefix}/${name}'`);
    // A fresh ArrayBuffer starts at offset 0, so typed views of any element size are aligned.
    const out = new Uint8Array(new ArrayBuffer(e.uncompressedSize));
    if (e.uncompressedSize === 0) return out;
    const start = await this.dataStart(e, name);
    if (e.compressionMethod === STORED) {
      await this.readStored(out, start, name);
    } else {
      this.inflated += e.uncompressedSize;
      if (this.inflated > this.limits.maxInflatedBytes) throw new TorchLimitExceeded(`${this.path}: inflated data exceeds ${this.limits.maxInflatedBytes} bytes`);
      await readDeflated(this.zip, start, e, out, `${this.path}: record '${name}'`);
    }
    return out;
  }

  async close(): Promise<void> {
    // zip.close() would make yauzl close the same descriptor; the FileHandle owns it, so only it closes.
    await this.fh.close();
  }

  private async dataStart(e: Entry, name: string): Promise<number> {
    try {
      const h = await this.zip.readLocalFileHeaderPromise(e);
      if (h.compressionMethod !== e.compressionMethod || !Buffer.from(h.fileName).equals(e.fileNameRaw)) {
        throw new TorchInvalid(`${this.path}: local header of '${name}' disagrees with the central directory`);
      }
      return h.fileDataStart;
    } catch (err) {
      throw zipError(this.path, err);
    }
  }

  /** Stored records are read straight into their final buffer: one copy from the page cache, no streams. */
  private async readStored(out: Uint8Array, start: number, name: string): Promise<void> {
    let done = 0;
    while (done < out.byteLength) {
      const { bytesRead } = await this.fh.read(out, done, Math.min(out.byteLength - done, 1 << 30), start + done);
      if (bytesRead === 0) throw new TorchInvalid(`${this.path}: record '${name}' is truncated (${done} of ${out.byteLength} bytes)`);
      done += bytesRead;
    }
  }
}

function zipError(path: string, e: unknown): Error {
  if (e instanceof TorchInvalid || e instanceof TorchUnsupported || e instanceof TorchLimitExceeded) return e;
  const msg = (e as Error).message ?? String(e);
  const hint = /end of central directory/i.test(msg) ? " (not a zip, or truncated)" : "";
  return new TorchInvalid(`${path}: invalid zip${hint}: ${msg.split("\n")[0]}`, { cause: e });
}
