import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { IoError, MsplitError, PartsMismatch } from "../errors.js";
import { writePieces } from "../onnx/payload.js";
import { commitStagingDir, createStagingDir, discardStagingDir, writeNewFile } from "../util/staging.js";
import { readUntrusted, readUntrustedJoined } from "../util/untrusted-file.js";
import { parsePlan, type SplitPlan } from "./plan.js";
import type { SplitResult } from "./split.js";

export const PLAN_FILE = "plan.json";

/**
 * Writes parts and plan.json into `dir`, which must not exist or be empty. Everything is written
 * into a hidden sibling first and renamed into place, so a failure leaves nothing behind.
 */
export async function writeSplit(dir: string, result: SplitResult, onPart?: (index: number) => void): Promise<void> {
  const { encodeModelPieces } = await import("../onnx/codec.js");
  const tmp = await createStagingDir(dir, 0o755);
  try {
    for (let i = 0; i < result.parts.length; i++) {
      await writePieces(join(tmp, result.plan.parts[i]!.file), encodeModelPieces(result.parts[i]!));
      onPart?.(i);
    }
    await writeNewFile(join(tmp, PLAN_FILE), [Buffer.from(`${JSON.stringify(result.plan, null, 2)}\n`)], 0o644);
    await commitStagingDir(tmp, dir);
  } catch (e) {
    await discardStagingDir(tmp);
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write parts to ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

export interface PartsOnDisk {
  plan: SplitPlan | undefined;
  parts: { name: string; bytes: Uint8Array }[];
}

/** Reads a directory of plain parts in plan order (plan.json), or by file name without one. */
export async function readPartsDir(dir: string): Promise<PartsOnDisk> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new IoError(`cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  let plan: SplitPlan | undefined;
  let files: string[];
  if (names.includes(PLAN_FILE)) {
    plan = parsePlan((await readUntrusted(join(dir, PLAN_FILE), "plan")).toString("utf8"), join(dir, PLAN_FILE));
    files = plan.parts.map((p) => p.file);
    for (const f of files) if (!names.includes(f)) throw new PartsMismatch(`${dir}: ${f} is listed in plan.json but missing`);
  } else {
    files = names.filter((n) => n.endsWith(".onnx")).sort();
    if (files.length === 0) throw new PartsMismatch(`${dir} holds no plan.json and no .onnx parts`);
  }
  // One buffer for all: resident mode stitches the parts where they lie (runtime/splice.ts).
  const bytes = await readUntrustedJoined(files.map((f) => join(dir, f)), "model");
  return { plan, parts: files.map((name, i) => ({ name, bytes: bytes[i]! })) };
}
