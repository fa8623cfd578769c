import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError, OutputExists, PartsMismatch } from "../errors.js";
import { encodeModelChunks } from "../onnx/codec.js";
import { writeChunks } from "../util/fs.js";
import { parsePlan, type SplitPlan } from "./plan.js";
import type { SplitResult } from "./split.js";

export const PLAN_FILE = "plan.json";

/**
 * Writes parts and plan.json into `dir`, which must not exist or be empty. Everything is written
 * into a hidden sibling first and renamed into place, so a failure leaves nothing behind.
 */
export async function writeSplit(dir: string, result: SplitResult, onPart?: (index: number) => void): Promise<void> {
  await assertWritableDir(dir);
  const tmp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(tmp, { recursive: true });
    for (let i = 0; i < result.parts.length; i++) {
      const fh = await open(join(tmp, result.plan.parts[i]!.file), "wx");
      try {
        await writeChunks(fh, encodeModelChunks(result.parts[i]!));
      } finally {
        await fh.close();
      }
      onPart?.(i);
    }
    await writeFile(join(tmp, PLAN_FILE), `${JSON.stringify(result.plan, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true }); // only ever an empty directory here
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new IoError(`cannot write parts to ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

export async function assertWritableDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  if (entries.length > 0) throw new OutputExists(`${dir} exists and is not empty; choose a new output directory`);
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
    plan = parsePlan(await readFile(join(dir, PLAN_FILE), "utf8"), join(dir, PLAN_FILE));
    files = plan.parts.map((p) => p.file);
    for (const f of files) if (!names.includes(f)) throw new PartsMismatch(`${dir}: ${f} is listed in plan.json but missing`);
  } else {
    files = names.filter((n) => n.endsWith(".onnx")).sort();
    if (files.length === 0) throw new PartsMismatch(`${dir} holds no plan.json and no .onnx parts`);
  }
  const parts = [];
  for (const f of files) parts.push({ name: f, bytes: await readFile(join(dir, f)) });
  return { plan, parts };
}
