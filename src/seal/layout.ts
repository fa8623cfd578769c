import { readdir } from "node:fs/promises";
import { IoError } from "../errors.js";
import { BundleIncomplete, BundleInvalid, BundleUnexpectedFile } from "./errors.js";
import { HEADER_FILE } from "./format.js";

/** Checks that `dir` holds exactly the header and the manifest's part files, nothing more or less. */
export async function checkLayout(dir: string, files: readonly string[]): Promise<void> {
  const entries = await listDir(dir);
  const present = new Set(entries);
  const wanted = new Set([HEADER_FILE, ...files]);
  const extra = entries.filter((e) => !wanted.has(e)).sort();
  const missing = files.flatMap((f, i) => (present.has(f) ? [] : [{ f, i }]));
  const n = files.length;
  if (missing.length > 0) {
    const first = missing[0]!;
    let msg = `part file ${first.f} (part ${first.i} of ${n}) is missing from ${dir}`;
    if (missing.length > 1) msg += `, and ${missing.length - 1} more part file(s)`;
    if (missing.length === n && extra.length > 0) msg += `; none of its part files is present: ${HEADER_FILE} may come from another bundle`;
    else if (extra.length > 0) msg += `; unexpected entries ${list(extra)} are present (renamed part files?)`;
    throw new BundleIncomplete(msg);
  }
  if (extra.length > 0)
    throw new BundleUnexpectedFile(
      `${dir} holds ${extra.length === 1 ? "an entry" : `${extra.length} entries`} that are not part of the bundle: ${list(extra)}; ` +
        `a bundle holds only ${HEADER_FILE} and its ${n} part files`,
    );
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new BundleInvalid(`${dir} is not a bundle directory (${code})`);
    throw new IoError(`cannot read ${dir}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

function list(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n));
  return names.length > 3 ? `${shown.join(", ")} and ${names.length - 3} more` : shown.join(", ");
}
