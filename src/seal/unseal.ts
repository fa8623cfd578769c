import { join, resolve } from "node:path";
import { IoError, MsplitError } from "../errors.js";
import { PLAN_FILE } from "../split/files.js";
import { commitStagingDir, createStagingDir, discardStagingDir, writeNewFile } from "../util/staging.js";
import { openBundle, type OpenOptions } from "./open.js";

export interface UnsealResult {
  dir: string;
  /** Plain part files in execution order, then the plan file. */
  files: string[];
}

// The plain parts directory is what split writes and the runtime reads: same plan file name.
export { PLAN_FILE };

/** `part-00.onnx`, `part-01.onnx`, ...: wide enough for the part count. */
export function plainPartName(index: number, count: number): string {
  return `part-${String(index).padStart(Math.max(2, String(count - 1).length), "0")}.onnx`;
}

/**
 * The owner's way back: decrypts every part into `outDir` (which must not exist or be empty) as
 * part-XX.onnx, plus plan.json. Plaintext on disk is the point here, so files are 0600 in a 0700
 * directory; a failure removes everything written.
 */
export async function unsealBundle(dir: string, key: Uint8Array, outDir: string, options: OpenOptions = {}): Promise<UnsealResult> {
  const bundle = await openBundle(dir, key, options);
  const target = resolve(outDir);
  const tmp = await createStagingDir(target, 0o700);
  const files: string[] = [];
  try {
    for (let i = 0; i < bundle.partCount; i++) {
      const name = plainPartName(i, bundle.partCount);
      await writeNewFile(join(tmp, name), bundle.streamPart(i), 0o600, { zeroize: true });
      files.push(name);
    }
    const plan = bundle.manifest.plan === undefined ? null : bundle.manifest.plan;
    await writeNewFile(join(tmp, PLAN_FILE), [Buffer.from(`${JSON.stringify(plan, null, 2)}\n`)], 0o600);
    files.push(PLAN_FILE);
    await commitStagingDir(tmp, target);
  } catch (e) {
    await discardStagingDir(tmp);
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  } finally {
    bundle.close();
  }
  return { dir: target, files };
}
