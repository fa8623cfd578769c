import { spawnSync } from "node:child_process";
import { constants } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { RuntimeFailure } from "../errors.js";
import { privateMemoryDir } from "../util/memory-dir.js";
import { firstLine } from "../util/text.js";
import { ort } from "../ort.js";

/**
 * The optimisation level ORT-format parts are saved at. Higher levels bake in layouts valid only
 * on the machine that made them (onnxruntime warns so), and a sealed bundle runs elsewhere.
 */
export const ORT_FORMAT_OPTIMIZATION = "extended" as const;

// Reads the FIFO to its end on its own thread: the main thread is blocked inside onnxruntime
// while it writes, so nothing there could drain the pipe.
const DRAIN = `
const { readFileSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const bytes = readFileSync(workerData);
parentPort.postMessage(bytes, [bytes.buffer]);
`;

/**
 * Converts an ONNX model to onnxruntime's own ORT format, in memory. onnxruntime writes that
 * format only to a path, and the model must never land on a disk (the README's promise for
 * `split --seal`): where Linux's /dev/shm is a tmpfs with room, a file in a private directory there (in
 * memory, removed at once; 2-3x faster than a pipe for large parts, whose 64 KiB capacity makes
 * onnxruntime and the reader take turns); else a FIFO in a private temporary directory, read by a
 * worker thread; on systems without FIFOs, a file in a private temporary directory, removed at once.
 * `via: "pipe"` skips /dev/shm.
 */
export async function toOrtFormat(model: Uint8Array, name: string, options: { via?: "auto" | "pipe" } = {}): Promise<Uint8Array> {
  // Room for the converted model: twice the ONNX size, with a margin.
  const shm = options.via === "pipe" ? undefined : await privateMemoryDir("msplit-ort-", 2 * model.byteLength + 2 ** 26);
  if (shm) {
    try {
      return await convertIn(shm, model, name, false);
    } catch {
      // /dev/shm filled up meanwhile, or onnxruntime refused the model: the FIFO says which.
    }
  }
  return convertIn(await mkdtemp(join(tmpdir(), "msplit-ort-")), model, name, process.platform !== "win32");
}

/** Has onnxruntime write the ORT form into `dir` (through a FIFO there when `fifo` and possible), then removes `dir`. */
async function convertIn(dir: string, model: Uint8Array, name: string, fifo: boolean): Promise<Uint8Array> {
  const path = join(dir, "part.ort");
  try {
    const viaFifo = fifo && spawnSync("mkfifo", ["-m", "600", path]).status === 0;
    const drained = viaFifo ? drain(path) : undefined;
    try {
      const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: ORT_FORMAT_OPTIMIZATION, optimizedModelFilePath: path, intraOpNumThreads: 1 });
      await session.release();
    } catch (e) {
      if (drained) await unblock(path, drained);
      throw new RuntimeFailure(`onnxruntime cannot convert ${name} to ORT format: ${firstLine(e)}`, { cause: e });
    }
    return drained ? await drained.bytes : await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Drain {
  worker: Worker;
  bytes: Promise<Uint8Array>;
}

function drain(path: string): Drain {
  const worker = new Worker(DRAIN, { eval: true, workerData: path });
  const bytes = new Promise<Uint8Array>((resolve, reject) => {
    worker.once("message", (b: Uint8Array) => resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new RuntimeFailure(`the ORT-format reader stopped (exit ${code})`)));
  });
  bytes.catch(() => {});
  return { worker, bytes };
}

/** onnxruntime failed before writing: open the FIFO's other end so the waiting reader sees EOF. */
async function unblock(path: string, d: Drain): Promise<void> {
  try {
    const fh = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    await fh.close();
  } catch {
    // ENXIO: the reader is not waiting (any more).
  }
  await d.worker.terminate();
}
