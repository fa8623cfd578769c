import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelProto } from "../../src/onnx/proto.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { Pipeline, type PipelineMode } from "../../src/runtime/pipeline.js";
import type { SplitResult } from "../../src/split/split.js";
import type * as ort from "onnxruntime-node";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const sharedDir = resolve(repoRoot, "..", "shared");
export const fixturesDir = join(repoRoot, "test", "fixtures");

export function tempDir(prefix = "msplit-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source, as a user would run the `msplit` binary. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a whole model and its split parts in both modes; returns the outputs by mode. */
export async function runAll(
  model: ModelProto,
  result: SplitResult,
  feeds: Record<string, ort.Tensor>,
  modes: readonly PipelineMode[] = ["resident", "chained"],
): Promise<Record<"whole" | PipelineMode, Record<string, Float32Array>>> {
  const out: Record<string, Record<string, Float32Array>> = {};
  const whole = await Pipeline.fromModels([model], { intraOpThreads: 1 });
  try {
    out.whole = toArrays(await whole.run(feeds));
  } finally {
    await whole.release();
  }
  const sources = result.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));
  for (const mode of modes) {
    const p = await Pipeline.fromParts(sources, { mode, plan: result.plan, intraOpThreads: 1 });
    try {
      out[mode] = toArrays(await p.run(feeds));
    } finally {
      await p.release();
    }
  }
  return out as Record<"whole" | PipelineMode, Record<string, Float32Array>>;
}

function toArrays(r: Record<string, ort.Tensor>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}
