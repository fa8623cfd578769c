import { Worker } from "node:worker_threads";
import { MsplitError, RuntimeFailure } from "../errors.js";
import type { MakerData, MakerReply, MakerTask } from "./maker-thread.js";
import type { Artifacts } from "./prepare.js";

export interface Makers {
  /** Makes one part count on the next free thread; rejects with the error the thread met (same code). */
  make(task: MakerTask): Promise<Artifacts>;
  close(): Promise<void>;
}

/** An error from a maker thread as the class that carries its code (structured clone keeps neither). */
async function rehydrate(error: { code?: string; message: string }): Promise<MsplitError> {
  const lib = (await import("../index.js")) as Record<string, unknown>;
  const cls = Object.values(lib).find(
    (v): v is new (m: string) => MsplitError => typeof v === "function" && v.prototype instanceof MsplitError && (v as unknown as { code: string }).code === error.code,
  );
  return cls ? new cls(error.message) : new MsplitError(error.code ? `${error.code}: ${error.message}` : error.message);
}

/**
 * `count` threads that make a model's parts and bundles (prepare.ts), each with its own copy of
 * the model. Nothing is measured while they work, so they may use every core the matrix uses.
 */
export function startMakers(count: number, data: MakerData): Makers {
  const url = new URL("./maker-thread.js", import.meta.url);
  const workers = Array.from({ length: Math.max(1, count) }, () => new Worker(url, { workerData: data }));
  const idle = [...workers];
  const waiting: (() => void)[] = [];
  const run = (w: Worker, task: MakerTask) =>
    new Promise<MakerReply>((resolve, reject) => {
      const done = () => {
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
      };
      const onMessage = (m: MakerReply) => (done(), resolve(m));
      const onError = (e: Error) => (done(), reject(new RuntimeFailure(`a preparation thread failed: ${e.message}`, { cause: e })));
      const onExit = (code: number) => (done(), reject(new RuntimeFailure(`a preparation thread exited (status ${code})`)));
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      w.postMessage(task);
    });
  return {
    async make(task) {
      while (idle.length === 0) await new Promise<void>((r) => waiting.push(r));
      const w = idle.pop()!;
      try {
        const reply = await run(w, task);
        if ("error" in reply) throw await rehydrate(reply.error);
        return reply.artifacts;
      } finally {
        idle.push(w);
        waiting.shift()?.();
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
