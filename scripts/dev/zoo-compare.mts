/**
 * Dev check that the zoo is numerically torchvision: for each architecture, torchvision's random
 * (BN-randomized) weights are loaded into the zoo graph by name, both run on the same batch, and
 * the logits are compared. Needs Debian's PyTorch at /usr/bin/python3.
 *
 *   npx tsx scripts/dev/zoo-compare.mts [--reuse] [arch...]
 *
 * --reuse skips the torch side when its dumps already exist in the work directory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { encodeModel } from "../../src/onnx/codec.js";
import { buildZoo, isZooName, loadStateDict, type StateTensor, zooNames } from "../../src/zoo/index.js";

const WORK_DIR = "/tmp/msplit-zoo-compare";
const TOLERANCE = 1e-4;

interface TorchIndex {
  tensors: { name: string; shape: number[]; offset: number }[];
  input: number[];
  logits: number[];
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  // Copy into a fresh, aligned buffer: Buffer pooling does not guarantee a 4-byte offset.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function runTorch(archs: readonly string[]): void {
  const script = join(import.meta.dirname, "zoo-torch-compare.py");
  const r = spawnSync("/usr/bin/python3", [script, WORK_DIR, ...archs], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`torch side failed (exit ${r.status})`);
}

function loadTorchWeights(dir: string, index: TorchIndex): Map<string, StateTensor> {
  const all = readFloats(join(dir, "weights.bin"));
  return new Map(
    index.tensors.map(({ name, shape, offset }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return [name, { dims: shape, data: all.subarray(offset, offset + count) }];
    }),
  );
}

async function compare(arch: string): Promise<number> {
  const dir = join(WORK_DIR, arch);
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as TorchIndex;
  const model = buildZoo(arch, 0);
  loadStateDict(model, loadTorchWeights(dir, index));
  const session = await ort.InferenceSession.create(encodeModel(model));
  const input = new ort.Tensor("float32", readFloats(join(dir, "input.bin")), index.input);
  const { logits } = await session.run({ input });
  await session.release();
  const ours = logits!.data as Float32Array;
  const theirs = readFloats(join(dir, "logits.bin"));
  if (ours.length !== theirs.length) throw new Error(`${arch}: ${ours.length} logits, torch has ${theirs.length}`);
  let maxDiff = 0;
  let maxLogit = 0;
  for (let i = 0; i < ours.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
    maxLogit = Math.max(maxLogit, Math.abs(theirs[i]!));
  }
  const relative = maxDiff / maxLogit;
  const verdict = relative <= TOLERANCE ? "ok" : "FAIL";
  console.log(
    `${arch.padEnd(20)} max|diff| ${maxDiff.toExponential(2)}  max|logit| ${maxLogit.toExponential(2)}  ` +
      `relative ${relative.toExponential(2)}  ${verdict}`,
  );
  return relative;
}

const args = process.argv.slice(2);
const reuse = args.includes("--reuse");
const archs = args.filter((a) => !a.startsWith("--"));
const selected = archs.length > 0 ? archs : zooNames();
for (const arch of selected) if (!isZooName(arch)) throw new Error(`unknown zoo model ${arch}`);
const toDump = reuse ? selected.filter((a) => !existsSync(join(WORK_DIR, a, "logits.bin"))) : selected;
if (toDump.length > 0) runTorch(toDump);
let failed = 0;
for (const arch of selected) if ((await compare(arch)) > TOLERANCE) failed++;
console.log(failed === 0 ? `all ${selected.length} within ${TOLERANCE}` : `${failed} over ${TOLERANCE}`);
process.exitCode = failed === 0 ? 0 : 1;
