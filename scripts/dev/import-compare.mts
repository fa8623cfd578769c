/**
 * Dev check that `importTorchWeights` turns real PyTorch files into the same model PyTorch runs:
 * for each zoo architecture, the state dict (.pth) and the whole module (.pt) written by
 * scripts/dev/import-compare.py are imported without --arch, run with onnxruntime-node, and the
 * logits compared with PyTorch's (max |diff| / max |logit|).
 *
 *   /usr/bin/python3 scripts/dev/import-compare.py /tmp/msplit-import-compare
 *   npx tsx scripts/dev/import-compare.mts /tmp/msplit-import-compare [arch...]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { encodeModel } from "../../src/onnx/codec.js";
import { readNpy } from "../../src/runtime/npy.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import { compareOutputs, toOrtTensor } from "../../src/runtime/tensors.js";
import { importTorchWeights } from "../../src/zoo/import.js";
import { isZooName, zooNames } from "../../src/zoo/index.js";

const TOLERANCE = 1e-4;

interface Row {
  model: string;
  kind: string;
  arch: string;
  relative: number;
  importMs: number;
  ok: boolean;
  note: string;
}

async function check(dir: string, name: string, ext: "pth" | "pt"): Promise<Row> {
  const file = join(dir, `${name}.${ext}`);
  const row: Row = { model: name, kind: ext, arch: "-", relative: NaN, importMs: NaN, ok: false, note: "" };
  try {
    const t0 = performance.now();
    const imported = await importTorchWeights(file);
    row.importMs = performance.now() - t0;
    row.arch = imported.arch;
    row.kind = `${ext} (${imported.checkpoint.kind})`;
    const pipeline = await Pipeline.fromParts([{ name, bytes: encodeModel(imported.model) }], { intraOpThreads: 1 });
    try {
      const input = await readNpy(join(dir, `${name}.input.npy`));
      const reference = await readNpy(join(dir, `${name}.logits.npy`));
      const out = await pipeline.run({ input: toOrtTensor(input) });
      const logits = out[pipeline.outputNames[0]!]!;
      const shapeOk = logits.dims.join(",") === reference.shape.join(",");
      row.relative = compareOutputs(reference.data, logits.data as Float32Array).relative;
      if (!shapeOk) row.note = `output shape [${logits.dims.join(",")}], torch [${reference.shape.join(",")}]`;
      if (imported.arch !== name) row.note = `identified as ${imported.arch}`;
      if (imported.checkpoint.kind === "module" && !imported.checkpoint.className) row.note ||= "module without class name";
      row.ok = shapeOk && imported.arch === name && row.relative <= TOLERANCE;
    } finally {
      await pipeline.release();
    }
  } catch (e) {
    row.note = `${(e as Error).name}: ${(e as Error).message}`;
  }
  return row;
}

const [dir, ...archs] = process.argv.slice(2);
if (!dir) throw new Error("usage: npx tsx scripts/dev/import-compare.mts OUT_DIR [arch...]");
const selected = archs.length > 0 ? archs : zooNames();
for (const a of selected) if (!isZooName(a)) throw new Error(`unknown zoo model ${a}`);

const rows: Row[] = [];
console.log(`${"model".padEnd(20)} ${"file".padEnd(16)} ${"identified".padEnd(20)} ${"relative".padStart(9)} ${"import".padStart(9)}  verdict`);
for (const name of selected) {
  for (const ext of ["pth", "pt"] as const) {
    if (!existsSync(join(dir, `${name}.${ext}`))) {
      rows.push({ model: name, kind: ext, arch: "-", relative: NaN, importMs: NaN, ok: false, note: "file missing" });
    } else {
      rows.push(await check(dir, name, ext));
    }
    const r = rows.at(-1)!;
    const rel = Number.isFinite(r.relative) ? r.relative.toExponential(2) : String(r.relative);
    const ms = Number.isFinite(r.importMs) ? `${r.importMs.toFixed(0)} ms` : "-";
    console.log(
      `${r.model.padEnd(20)} ${r.kind.padEnd(16)} ${r.arch.padEnd(20)} ${rel.padStart(9)} ${ms.padStart(9)}  ${r.ok ? "ok" : "FAIL"}${r.note ? `  ${r.note}` : ""}`,
    );
  }
}
const failed = rows.filter((r) => !r.ok).length;
console.log(failed === 0 ? `all ${rows.length} within ${TOLERANCE}, architecture identified without --arch` : `${failed} of ${rows.length} failed`);
process.exitCode = failed === 0 ? 0 : 1;
