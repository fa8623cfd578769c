import { randomBytes } from "node:crypto";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { IoError, MsplitError, PartsMismatch, UsageError } from "../errors.js";
import { shuffled } from "../seal/bytes.js";
import {
  filePfSink,
  normalizePfPath,
  openRegularFile,
  PfPathMismatch,
  type PfVersion,
  readProtectedFile,
  sealProtectedFile,
} from "../seal/gramine-pf/index.js";
import { PLAN_FILE } from "../split/files.js";
import { parsePlan, type SplitPlan } from "../split/plan.js";
import { commitStagingDir, createStagingDir, discardStagingDir } from "../util/staging.js";
import type { PartSource } from "./pipeline.js";

/**
 * Gramine-PF bundles (docs/gramine.md): a parts directory whose every file, plan.json included, is
 * a Gramine protected file, for a `type = "encrypted"` mount. Inside the enclave the mount hands
 * msplit a plain parts directory; outside, the owner reads it with the wrap key. Part files get
 * random names and plan.json (encrypted) maps them to positions, so the host sees no order.
 */

export interface SealPfPartsOptions {
  plan?: SplitPlan;
  /**
   * The bundle directory's path as Gramine will see it on the host: the encrypted mount's `uri`
   * without `file:` (relative paths count from where gramine-sgx runs). Default: `dir`.
   */
  mountPath?: string;
  version?: PfVersion;
  onPart?: (index: number, count: number) => void;
}

export interface PfBundleInfo {
  dir: string;
  /** The normalized path embedded before each file name. */
  mountPath: string;
  version: PfVersion;
  parts: number;
  /** Bytes on disk. */
  sealedBytes: number;
}

/** Writes plain parts (in chain order) as a Gramine-PF bundle; `dir` must be absent or empty. */
export async function sealPartsPf(dir: string, parts: readonly PartSource[], wrapKey: Uint8Array, options: SealPfPartsOptions = {}): Promise<PfBundleInfo> {
  if (parts.length === 0) throw new UsageError("no parts to seal");
  const mountPath = normalizePfPath(options.mountPath ?? dir);
  const version = options.version ?? 1;
  const names = parts.map(() => randomBytes(16).toString("hex"));
  // plan.json is what orders the parts inside the mount: without one the order would show in the names.
  if (!options.plan) throw new UsageError("a Gramine-PF bundle needs the split's plan.json: seal a directory written by msplit split");
  const plan: SplitPlan = { ...options.plan, parts: options.plan.parts.map((p, i) => ({ ...p, file: names[i]! })) };
  if (plan.parts.length !== parts.length) throw new PartsMismatch(`the plan lists ${plan.parts.length} parts, but ${parts.length} were given`);
  const files: { name: string; bytes: Uint8Array }[] = [...parts.map((p, i) => ({ name: names[i]!, bytes: p.bytes })), { name: PLAN_FILE, bytes: Buffer.from(`${JSON.stringify(plan, null, 2)}\n`) }];
  const tmp = await createStagingDir(dir, 0o755);
  const mtime = new Date();
  let sealedBytes = 0;
  try {
    let done = 0;
    // Written in a random order with one modification time: neither leaks the chain order.
    for (const i of shuffled(files.length)) {
      const f = files[i]!;
      const fh = await open(join(tmp, f.name), "wx", 0o644);
      try {
        const r = await sealProtectedFile(f.bytes, f.bytes.byteLength, wrapKey, filePfSink(fh), { path: `${mountPath}/${f.name}`, version });
        sealedBytes += r.nodes * 4096;
        await fh.utimes(mtime, mtime);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (f.name !== PLAN_FILE) options.onPart?.(done++, parts.length);
    }
    await commitStagingDir(tmp, dir);
  } catch (e) {
    await discardStagingDir(tmp);
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return { dir, mountPath, version, parts: parts.length, sealedBytes };
}

/** Is `dir` a Gramine-PF bundle? Its plan.json is a protected file. */
export async function isPfBundle(dir: string): Promise<boolean> {
  let fh;
  try {
    ({ fh } = await openRegularFile(join(dir, PLAN_FILE)));
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    return head.toString("latin1") === "GRAFS_PF";
  } finally {
    await fh.close();
  }
}

export interface OpenedPfParts {
  plan: SplitPlan;
  sources: PartSource[];
  mountPath: string;
}

/**
 * Decrypts a Gramine-PF bundle into memory (outside an enclave, with the wrap key). Every file must
 * have been written for `<mountPath>/<its name>`: `mountPath` is taken from plan.json unless given,
 * so a bundle still opens after the owner moved it, but no file opens under another's name.
 */
export async function openPfParts(dir: string, wrapKey: Uint8Array, options: { mountPath?: string } = {}): Promise<OpenedPfParts> {
  const planPath = join(dir, PLAN_FILE);
  const expected = options.mountPath === undefined ? null : `${normalizePfPath(options.mountPath)}/${PLAN_FILE}`;
  const { bytes: planBytes, pf } = await readProtectedFile(planPath, wrapKey, expected);
  const suffix = `/${PLAN_FILE}`;
  if (!pf.path.endsWith(suffix) && pf.path !== PLAN_FILE) throw new PfPathMismatch(`${planPath} was written for ${JSON.stringify(pf.path)}, not as a bundle's ${PLAN_FILE}`);
  const mountPath = pf.path === PLAN_FILE ? "" : pf.path.slice(0, -suffix.length);
  const plan = parsePlan(planBytes.toString("utf8"), planPath);
  let present: string[];
  try {
    present = await readdir(dir);
  } catch (e) {
    throw new IoError(`cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const sources: PartSource[] = [];
  try {
    for (const p of plan.parts) {
      if (!present.includes(p.file)) throw new PartsMismatch(`${dir}: part ${p.index} (${p.file}) is listed in plan.json but missing`);
      const { bytes } = await readProtectedFile(join(dir, p.file), wrapKey, mountPath ? `${mountPath}/${p.file}` : p.file);
      sources.push({ name: `part ${p.index}`, bytes, sensitive: true });
    }
  } catch (e) {
    for (const s of sources) s.bytes.fill(0);
    throw e;
  }
  return { plan, sources, mountPath };
}
