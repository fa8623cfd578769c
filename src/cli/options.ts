import { InvalidArgumentError, Option } from "commander";
import { GRAMINE_ATTESTATION_ROOT, GramineAttester } from "../attest/gramine.js";
import { SampleAttester } from "../attest/sample.js";
import { brokerKeySource } from "../kbs/key-source.js";
import { UsageError } from "../errors.js";
import { assertOutputAbsent } from "../util/fs.js";
import type { SourcePolicy } from "../runtime/admit.js";
import type { PipelineMode } from "../runtime/pipeline.js";
import type { SessionSettings } from "../runtime/session.js";
import { KEY_FILE_ENV, type KeySource } from "../seal/index.js";
import { addProcessStart, formatProfile, type PhaseTiming, Profile, withProfile } from "../util/profile.js";

export function parseIntArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/** A finite decimal number of at least `min` (above it, when `exclusive`); `abc`, `NaN`, `Infinity` and `1e400` are refused. */
export function parseNumberArg(min: number, options: { exclusive?: boolean } = {}) {
  return (value: string): number => {
    const text = value.trim();
    const n = Number(text);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
    if (options.exclusive ? !(n > min) : !(n >= min)) throw new InvalidArgumentError(`must be ${options.exclusive ? "greater than" : "at least"} ${min}`);
    return n;
  };
}

/** Options every command that runs a model shares. */
export function sessionOptions(): Option[] {
  return [
    new Option("--mode <mode>", "stream (the default: each part runs once here): one part in memory at a time, loaded, run and released; resident: parts stitched into one session; chained: one session per part, all held")
      .choices(["resident", "chained", "stream"]),
    new Option("--stream", "same as --mode stream: load, run and release one part at a time (bounded memory)"),
    ...keyOptions(),
    ...brokerOptions(),
    requireSealedOption(),
    new Option("--threads <n>", "intra-op threads (default: onnxruntime's choice)").argParser(parseIntArg(1, 256)),
    new Option("--optimization <level>", "graph optimisation level").choices(["disabled", "basic", "extended", "all"]).default("all"),
  ];
}

export interface SessionFlags extends KeyFlags, SealedFlags {
  mode?: PipelineMode;
  stream?: boolean;
  threads?: number;
  optimization: "disabled" | "basic" | "extended" | "all";
}

/**
 * Settings for a one-shot command (run, infer): every part runs once, so parts stream by default
 * (the lowest peak memory, and no slower: docs/benchmarks.md, "Cold start") and weights are not packed.
 */
export function sessionSettings(flags: SessionFlags): SessionSettings & SourcePolicy & { mode?: PipelineMode } {
  return {
    mode: flags.stream ? "stream" : (flags.mode ?? "stream"),
    intraOpThreads: flags.threads,
    optimization: flags.optimization,
    prepack: false,
    key: keySource(flags),
    ...sealedPolicy(flags),
  };
}

/** `--require-sealed`: a host cannot skip the key by handing over plaintext (admit.ts). */
export function requireSealedOption(): Option {
  return new Option("--require-sealed", "accept only a sealed bundle (or parts under the enclave's encrypted mount); always on inside an enclave");
}

export interface SealedFlags {
  requireSealed?: boolean;
  wrapKey?: string;
}

/** Unset unless given: the library then applies its default (on inside an enclave). */
export function sealedPolicy(flags: SealedFlags): Pick<SourcePolicy, "requireSealed" | "wrapKey"> {
  return { ...(flags.requireSealed ? { requireSealed: true } : {}), ...(flags.wrapKey ? { wrapKey: flags.wrapKey } : {}) };
}

/** Key options: files only, never key text on the command line (it would show in `ps`). */
export function keyOptions(): Option[] {
  return [
    new Option("--key <file>", `key file (32 raw bytes; default: the file named by ${KEY_FILE_ENV})`),
    new Option("--kek <file>", "the key file is wrapped: unwrap it with this key-encryption key"),
    new Option("--wrap-key <file>", "16-byte wrap key of a Gramine-PF bundle (the encrypted mount's key)"),
  ];
}

/** Options of commands that open a bundle: the key from a broker, after attestation (docs/attestation.md). */
export function brokerOptions(): Option[] {
  return [
    new Option("--kbs <url>", "get the key from this key broker after attestation (msplit kbs serve, or a Trustee KBS)"),
    new Option("--resource <repo/type/tag>", "the broker resource holding the key release (with --kbs; with --key <wrapped key file>, the release is its KEK)"),
    new Option("--attester <kind>", "evidence for --kbs: gramine (/dev/attestation inside Gramine) or sample (unsigned, for tests)").choices(["gramine", "sample"]).default("gramine"),
    new Option("--attestation-root <dir>", "Gramine's attestation pseudo-filesystem").default(GRAMINE_ATTESTATION_ROOT).hideHelp(),
    new Option("--kbs-ca <file>", "trust this CA certificate (PEM) for the broker's TLS"),
  ];
}

export interface KeyFlags {
  key?: string;
  kek?: string;
  kbs?: string;
  resource?: string;
  attester?: "gramine" | "sample";
  attestationRoot?: string;
  kbsCa?: string;
  wrapKey?: string;
}

export function keySource(flags: KeyFlags): KeySource | undefined {
  if (flags.kbs) return brokerSource(flags, flags.kbs);
  if (flags.resource) throw new UsageError("--resource goes with --kbs <url>");
  const base: KeySource | undefined = flags.key ? { kind: "file", path: flags.key } : process.env[KEY_FILE_ENV] ? { kind: "env" } : undefined;
  if (flags.kek) {
    if (!flags.key) throw new UsageError("--kek needs --key <wrapped key file>");
    return { kind: "wrapped", path: flags.key, kek: { kind: "file", path: flags.kek } };
  }
  return base;
}

export function requireKeySource(flags: KeyFlags): KeySource {
  const k = keySource(flags);
  if (!k) throw new UsageError(`a key is needed: --key <file> (or set ${KEY_FILE_ENV})`);
  return k;
}

export function profileOption(): Option {
  return new Option("--profile", "print where the time went, phase by phase (wall and CPU ms, to stderr; in the JSON with --json)");
}

/**
 * Runs a command's work, with its phases recorded when `enabled`: the table goes to stderr, and
 * the phases come back for commands that print JSON.
 */
export async function profiled<T>(enabled: boolean | undefined, work: () => Promise<T>): Promise<{ value: T; profile?: PhaseTiming[] }> {
  if (!enabled) return { value: await work() };
  const profile = new Profile();
  addProcessStart(profile);
  const value = await withProfile(profile, work);
  const phases = profile.phases();
  process.stderr.write(`${formatProfile(phases)}\n`);
  return { value, profile: phases };
}

/** The key from a broker: attestation happens when the bundle is opened; the key stays in memory. */
function brokerSource(flags: KeyFlags, url: string): KeySource {
  if (!flags.resource) throw new UsageError("--kbs needs --resource <repo/type/tag>");
  if (flags.kek) throw new UsageError("--kek and --kbs exclude each other: with --kbs the broker releases the key or the KEK");
  const attester = flags.attester === "sample" ? new SampleAttester() : new GramineAttester(flags.attestationRoot);
  const client = { url, attester, caFile: flags.kbsCa };
  return flags.key ? { kind: "wrapped", path: flags.key, kek: brokerKeySource(client, flags.resource, "kek") } : brokerKeySource(client, flags.resource, "key");
}

/** `--force`: outputs are never replaced silently (util/fs.ts). */
export function forceOption(): Option {
  return new Option("--force", "replace the output file if it exists");
}

export interface ForceFlags {
  force?: boolean;
}

/** Refuses an existing output before any work is done, unless --force. */
export async function checkOutput(path: string | undefined, flags: ForceFlags): Promise<void> {
  if (path !== undefined && !flags.force) await assertOutputAbsent(path);
}
