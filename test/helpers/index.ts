import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMsplitError, type MsplitError } from "../../src/errors.js";
import type { ModelProto } from "../../src/onnx/proto.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { Pipeline, type PipelineMode } from "../../src/runtime/pipeline.js";
import type { SplitResult } from "../../src/split/split.js";
import type * as ort from "onnxruntime-node";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const fixturesDir = join(repoRoot, "test", "fixtures");

export function tempDir(prefix = "msplit-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  status: number;
  /** The signal that ended the process (a native crash, or the timeout's SIGKILL), if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let built = false;

/** Builds dist/ when it is missing or older than src/ (a test of the shipped binary needs it). */
function ensureBuilt(): void {
  if (built) return;
  const main = join(repoRoot, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  if (!existsSync(main) || statSync(main).mtimeMs < newest(join(repoRoot, "src"))) {
    const r = spawnSync(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: repoRoot, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
  built = true;
}

/**
 * Runs the built binary (dist/) as a user runs `msplit`. `npm test` builds first; a stale dist/
 * is rebuilt here. From source through tsx each run would cost a second of transpiling, and tsx
 * leaves cache files that would muddle tests watching every file a run creates.
 */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): CliResult {
  ensureBuilt();
  const env = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [join(repoRoot, "dist", "cli", "main.js"), ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    // A hang fails the test instead of the whole run; generous, for a loaded machine.
    timeout: options.timeoutMs ?? 300_000,
    killSignal: "SIGKILL",
  });
  return { status: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
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
  return out;
}

function toArrays(r: Record<string, ort.Tensor>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}

/**
 * Awaits a rejection with an MsplitError of `code` whose one-line message matches `message`;
 * returns the error for further checks.
 */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<MsplitError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the operation succeeded`);
  assert.ok(isMsplitError(caught), `expected an MsplitError ${code}, got ${String((caught as Error)?.stack ?? caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  assert.ok(!caught.message.includes("\n"), `one-line message expected, got: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

/**
 * Runs the CLI and expects a failure: exit status `exit`, exactly one `msplit: <code>: ...` line
 * on stderr (`code` may be a pattern; with MSPLIT_ENCLAVE=1, `msplit: <code>` alone), no stack
 * trace, and none of `outputs` left behind.
 */
export function expectCliFailure(
  args: readonly string[],
  code: string | RegExp,
  options: { exit?: number; outputs?: readonly string[]; cwd?: string; env?: Record<string, string | undefined> } = {},
): CliResult {
  const { exit = 1, outputs = [] } = options;
  const r = runCli(args, { cwd: options.cwd, env: options.env });
  assert.equal(r.status, exit, `exit status for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  const pattern = typeof code === "string" ? code : code.source;
  // Inside an enclave the host reads stderr: the line is the code alone.
  const enclave = options.env?.MSPLIT_ENCLAVE === "1";
  assert.match(lines[0]!, new RegExp(enclave ? `^msplit: (${pattern})$` : `^msplit: (${pattern}): \\S`));
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  for (const o of outputs) assert.ok(!existsSync(o), `${o} was left behind`);
  return r;
}
