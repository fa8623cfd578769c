import { type FileHandle, mkdir, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { IoError, MsplitError, UsageError } from "../../errors.js";
import { createFileAtomic, writeFileAtomic } from "../../util/fs.js";
import { openUntrusted } from "../../util/untrusted-file.js";
import { normalizePfPath, type PfLayout, type PfVersion } from "./format.js";
import { openProtectedFile, type OpenedPf, type PfSource } from "./open.js";
import { type PfSink, sealProtectedFile } from "./seal.js";

/**
 * Protected files on disk, with `gramine-sgx-pf-crypt`'s meaning of paths: encrypting embeds the
 * normalized output path; decrypting checks the normalized input path (the tool's `-V`), unless
 * another path is named. Inputs are read in bounded pieces and outputs appear whole or not at all.
 */

const READ_PIECE = 1 << 20;

/** Opens a file to read, refusing FIFOs, devices and directories before any read can block. */
export async function openRegularFile(path: string): Promise<{ fh: FileHandle; size: number; mode: number }> {
  const { fh, size } = await openUntrusted(path, "protected-file");
  try {
    return { fh, size, mode: (await fh.stat()).mode & 0o777 };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

export function filePfSource(fh: FileHandle, length: number): PfSource {
  return {
    length,
    read: async (position, want) => {
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
  };
}

export function filePfSink(fh: FileHandle): PfSink {
  return {
    write: async (position, pieces) => {
      let list = pieces.filter((p) => p.byteLength > 0);
      while (list.length > 0) {
        const { bytesWritten } = await fh.writev(list, position);
        position += bytesWritten;
        let skip = bytesWritten;
        while (list.length > 0 && skip >= list[0]!.byteLength) skip -= list.shift()!.byteLength;
        if (skip > 0) list = [list[0]!.subarray(skip), ...list.slice(1)];
      }
    },
  };
}

async function* fileChunks(fh: FileHandle, size: number): AsyncGenerator<Uint8Array> {
  let position = 0;
  while (position < size) {
    const buf = Buffer.allocUnsafe(Math.min(READ_PIECE, size - position));
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
  // Anything past the size taken at open means the file grew while it was read.
  const probe = Buffer.allocUnsafe(1);
  if ((await fh.read(probe, 0, 1, position)).bytesRead > 0) yield probe;
}

export interface PfFileResult extends PfLayout {
  input: string;
  output: string;
  /** The path embedded in the protected file. */
  path: string;
  version: PfVersion;
  size: number;
}

export interface PfEncryptFileOptions {
  /** The path to embed (default: `output`, normalized, as the tool does). */
  path?: string;
  version?: PfVersion;
  overwrite?: boolean;
}

/**
 * Encrypts one plain file into a protected file at `output`, with the input's permissions (at most
 * 0644): a private key file stays private, which msplit's key loader checks inside the enclave too.
 */
export async function pfEncryptFile(input: string, output: string, wrapKey: Uint8Array, options: PfEncryptFileOptions = {}): Promise<PfFileResult> {
  const { fh, size, mode } = await openRegularFile(input);
  try {
    const layout = await createFileAtomic(
      output,
      (out) => sealProtectedFile(fileChunks(fh, size), size, wrapKey, filePfSink(out), { path: options.path ?? output, version: options.version }),
      { mode: mode & 0o644, overwrite: options.overwrite ?? false },
    );
    return { input, output, size, ...layout };
  } finally {
    await fh.close();
  }
}

export interface PfDecryptFileOptions {
  /** The path the file must have been written for: default `input`; null skips the check. */
  expectedPath?: string | null;
  overwrite?: boolean;
}

/** Opens a protected file on disk; the caller closes `fh` once done with the plaintext. */
export async function openProtectedFileAt(input: string, wrapKey: Uint8Array, expectedPath: string | null = input): Promise<{ fh: FileHandle; pf: OpenedPf }> {
  const { fh, size } = await openRegularFile(input);
  try {
    const pf = await openProtectedFile(filePfSource(fh, size), wrapKey, { expectedPath: expectedPath ?? undefined, name: input });
    return { fh, pf };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Decrypts a protected file into memory (the caller wipes the buffer when done). */
export async function readProtectedFile(input: string, wrapKey: Uint8Array, expectedPath: string | null = input): Promise<{ bytes: Buffer; pf: OpenedPf }> {
  const { fh, pf } = await openProtectedFileAt(input, wrapKey, expectedPath);
  try {
    return { bytes: await pf.readAll(), pf };
  } finally {
    await fh.close();
  }
}

/** Decrypts one protected file to a plain file (mode 0600: it is plaintext the owner asked for). */
export async function pfDecryptFile(input: string, output: string, wrapKey: Uint8Array, options: PfDecryptFileOptions = {}): Promise<PfFileResult> {
  const { fh, pf } = await openProtectedFileAt(input, wrapKey, options.expectedPath === undefined ? input : options.expectedPath);
  try {
    await writeFileAtomic(output, flatten(pf.pieces()), { mode: 0o600, overwrite: options.overwrite ?? false, zeroize: true });
    return { input, output, path: pf.path, version: pf.version, size: pf.size, ...pf.layout };
  } finally {
    await fh.close();
  }
}

async function* flatten(lists: AsyncIterable<Buffer[]>): AsyncGenerator<Buffer> {
  for await (const list of lists) yield* list;
}

/**
 * The tool's `-i`/`-o` on directories: every regular file below `input` (recursively) to the same
 * relative path below `output`; for each, the embedded (or expected) path is `base`'s path for it,
 * `base` being `output` (encrypting) or `input` (decrypting) unless given.
 */
export async function pfConvert(
  mode: "encrypt" | "decrypt",
  input: string,
  output: string,
  wrapKey: Uint8Array,
  options: { base?: string | null; version?: PfVersion; overwrite?: boolean; onFile?: (r: PfFileResult) => void } = {},
): Promise<PfFileResult[]> {
  let st;
  try {
    st = await stat(input);
  } catch (e) {
    throw new IoError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const convert = (from: string, to: string, base: string | null | undefined): Promise<PfFileResult> =>
    mode === "encrypt"
      ? pfEncryptFile(from, to, wrapKey, { path: base ?? undefined, version: options.version, overwrite: options.overwrite })
      : pfDecryptFile(from, to, wrapKey, { expectedPath: base, overwrite: options.overwrite });
  if (!st.isDirectory()) {
    const r = await convert(input, output, options.base);
    options.onFile?.(r);
    return [r];
  }
  const results: PfFileResult[] = [];
  const root = input;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new IoError(`cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const from = join(dir, e.name);
      const rel = relative(root, from);
      if (e.isDirectory()) await walk(from);
      else if (e.isFile()) {
        const to = join(output, rel);
        await mkdir(join(to, ".."), { recursive: true });
        const base = options.base === null ? null : normalizePfPath(`${options.base ?? (mode === "encrypt" ? output : input)}/${rel}`);
        try {
          const r = await convert(from, to, base);
          results.push(r);
          options.onFile?.(r);
        } catch (err) {
          if (err instanceof MsplitError) throw err;
          throw new IoError(`${from}: ${(err as Error).message}`, { cause: err });
        }
      }
    }
  };
  if (mode === "encrypt" && options.base === null) throw new UsageError("encrypting needs a path to embed");
  await walk(input);
  return results;
}
