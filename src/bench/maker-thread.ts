import { parentPort, workerData } from "node:worker_threads";
import type { PartFormat } from "../runtime/pipeline.js";
import { type Artifacts, type BenchModel, loadBenchModel, prepareArtifacts } from "./prepare.js";

/** What a maker thread is given once: the model (each thread builds or reads its own copy) and the key. */
export interface MakerData {
  model: BenchModel;
  keyPath: string;
  partFormat?: PartFormat;
}

/** One part count to make into `dir`. */
export interface MakerTask {
  parts: number;
  dir: string;
}

export type MakerReply = { parts: number; artifacts: Artifacts } | { parts: number; error: { code?: string; message: string } };

// A thread of its own per maker: onnxruntime's ORT-format conversion, most of the preparation,
// holds the thread that calls it, so makers in one thread would take turns.
if (parentPort) {
  const port = parentPort;
  const data = workerData as MakerData;
  const model = loadBenchModel(data.model);
  // A model that cannot be loaded fails each task with its error, not the thread.
  model.catch(() => undefined);
  port.on("message", (task: MakerTask) => {
    model
      .then((proto) => prepareArtifacts(proto, task.parts, task.dir, data.keyPath, data.partFormat))
      .then(
        (artifacts) => port.postMessage({ parts: task.parts, artifacts } satisfies MakerReply),
        (e: unknown) => port.postMessage({ parts: task.parts, error: { code: (e as { code?: string }).code, message: (e as Error).message ?? String(e) } } satisfies MakerReply),
      );
  });
}
