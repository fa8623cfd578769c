import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

/** Tests run from the repo root or anywhere: locate fixtures from this file. */
export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const TORCH_FIXTURES = join(REPO, "test", "fixtures", "torch");
export const HOSTILE = join(REPO, "test", "fixtures", "torch-hostile");
export const EXPECTED = join(REPO, "test", "torch", "expected");

export interface ZipSpec {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Lie in the central directory: declare this many bytes (compressed and uncompressed) through a zip64 field. */
  declaredSize?: number;
  /** Lie about the uncompressed size only (deflated entries). */
  declaredUncompressed?: number;
}

/** A minimal zip writer for building malformed archives that real tools refuse to make. */
export function buildZip(specs: ZipSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const s of specs) {
    const name = Buffer.from(s.name, "utf8");
    const body = s.deflate ? deflateRawSync(s.data) : Buffer.from(s.data);
    const crc = crc32(s.data);
    const method = s.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(s.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);

    let extra = Buffer.alloc(0);
    let csize = body.length;
    let usize = s.declaredUncompressed ?? s.data.length;
    if (s.declaredSize !== undefined) {
      extra = Buffer.alloc(20);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(s.declaredSize), 4);
      extra.writeBigUInt64LE(BigInt(s.declaredSize), 12);
      csize = usize = 0xffffffff;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(csize, 20);
    central.writeUInt32LE(usize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, extra);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(specs.length, 8);
  eocd.writeUInt16LE(specs.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A torch-layout archive around a pickle and raw storages. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, prefix = "archive"): Buffer {
  return buildZip([
    { name: `${prefix}/data.pkl`, data: pkl },
    ...Object.entries(storages).map(([k, data]) => ({ name: `${prefix}/data/${k}`, data })),
    { name: `${prefix}/version`, data: Buffer.from("3\n") },
  ]);
}

/** A scratch directory removed by the returned cleanup. */
export function scratch(): { dir: string; write(name: string, data: Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "msplit-torch-test-"));
  return {
    dir,
    write(name, data) {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function f32bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
