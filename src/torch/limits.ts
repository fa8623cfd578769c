/**
 * Resource limits for reading a checkpoint. Every size in a checkpoint comes from the file itself,
 * so each allocation is checked against one of these before it happens.
 */
export interface TorchLimits {
  /** Largest data.pkl accepted, in bytes. */
  maxPickleBytes: number;
  /** Most zip entries accepted. */
  maxEntries: number;
  /** Most bytes that deflated entries may expand to, in total. Default: 4x the file size (torch itself never compresses). */
  maxInflatedBytes: number;
  /** Most bytes of converted or gathered tensor data (zero-copy views are free). Default: 4x the file size + 64 MiB. */
  maxOutputBytes: number;
  /** Deepest MARK nesting in the pickle, and deepest module tree or dict wrapper walked. */
  maxDepth: number;
  /** Most pickle stack items alive at once. */
  maxStack: number;
  /** Most tensors returned. */
  maxTensors: number;
}

const MiB = 1024 * 1024;

export function resolveLimits(fileSize: number, overrides: Partial<TorchLimits> = {}): TorchLimits {
  return {
    maxPickleBytes: 256 * MiB,
    maxEntries: 1_000_000,
    maxInflatedBytes: 4 * fileSize + 64 * MiB,
    maxOutputBytes: 4 * fileSize + 64 * MiB,
    maxDepth: 200,
    maxStack: 10_000_000,
    maxTensors: 1_000_000,
    ...overrides,
  };
}
