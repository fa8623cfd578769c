import type { PipelineMode } from "../runtime/pipeline.js";

/**
 * How much memory and how many threads msplit's `infer` needs inside an enclave, for Gramine's
 * manifest and Mystikos' config alike. Measured on the host (docs/gramine.md, "Sizing"): peak RSS
 * of `infer` is about 140 MiB plus 4x the model in resident or chained mode (the decrypted parts,
 * the stitched graph, onnxruntime's copy) and 3x in stream mode; and V8 reserves about 1.7 GB of
 * address space at start, which an SGX enclave without EDMM must hold too.
 */

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Node.js itself, per Gramine's Node.js example (1G fails at random with "Fatal process OOM in heap setup"). */
export const NODE_BASE_BYTES = 2 * GiB;
/** Image, onnxruntime's arena, thread stacks. */
export const WORKING_BYTES = 256 * MiB;

export function modelFactor(mode: PipelineMode): number {
  return mode === "stream" ? 3 : 4;
}

/** Bytes the enclave must hold, before rounding. */
export function enclaveBytesNeeded(modelBytes: number, mode: PipelineMode): number {
  return NODE_BASE_BYTES + modelFactor(mode) * modelBytes + WORKING_BYTES;
}

/** The enclave size: a power of two, at least 2 GiB, written as Gramine and Mystikos take it ("4G"). */
export function enclaveSize(modelBytes: number, mode: PipelineMode): { bytes: number; text: string } {
  const need = enclaveBytesNeeded(modelBytes, mode);
  let bytes = 2 * GiB;
  while (bytes < need) bytes *= 2;
  return { bytes, text: `${bytes / GiB}G` };
}

/**
 * Node's own threads once pinned by the generated configuration: the main thread, V8's platform
 * pool (--v8-pool-size=2), libuv's pool (UV_THREADPOOL_SIZE=2), libvips (VIPS_CONCURRENCY=1) and
 * Node's internal ones: 8 at most in `infer` under strace (test/tee/gramine-manifest.test.ts), plus
 * two spare, since running out of thread slots kills the enclave ("no available TCS pages").
 */
export const NODE_THREADS = 10;
/** Gramine's IPC, Async and TLS-handshake helper threads (manifest-syntax, sgx.max_threads). */
export const GRAMINE_HELPER_THREADS = 3;

/** onnxruntime's intra-op pool per session (threads - 1 workers), times the sessions alive at once. */
export function ortThreads(threads: number, mode: PipelineMode, parts: number): number {
  return (threads - 1) * (mode === "chained" ? parts : 1);
}

export function appThreads(threads: number, mode: PipelineMode, parts: number): number {
  return NODE_THREADS + ortThreads(threads, mode, parts);
}
