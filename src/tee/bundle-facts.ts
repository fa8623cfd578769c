import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { IoError } from "../errors.js";
import { pathKind, type PathKind } from "../runtime/admit.js";

/** What a TEE configuration needs to know about a bundle without opening it: its kind and size. */
export interface BundleFacts {
  kind: PathKind;
  /** Bytes of its files: about the plaintext size of the model's parts. */
  bytes: number;
  /** Part files (plan.json and bundle.msplit not counted). */
  parts: number;
}

export async function bundleFacts(path: string): Promise<BundleFacts> {
  const kind = await pathKind(path);
  let names: string[];
  try {
    names = kind === "model" ? [] : await readdir(path);
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  if (kind === "model") return { kind, bytes: (await stat(path).catch(() => ({ size: 0 }))).size, parts: 1 };
  let bytes = 0;
  let parts = 0;
  for (const n of names) {
    const st = await stat(join(path, n));
    if (!st.isFile()) continue;
    bytes += st.size;
    if (n !== "plan.json" && n !== "bundle.msplit") parts++;
  }
  return { kind, bytes, parts };
}
