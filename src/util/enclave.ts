import { closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Are we inside an enclave? Gramine exposes /dev/attestation to the application it runs; outside
 * one the host may also say so with MSPLIT_ENCLAVE=1 (tests, other runtimes). Inside Gramine the
 * environment comes from the signed manifest (loader.env), so the host can neither set nor unset
 * these variables there; and an unset MSPLIT_ENCLAVE cannot hide /dev/attestation.
 */

/** Where Gramine puts its attestation pseudo-files (docs: gramine.md, "/dev/attestation"). */
export const ATTESTATION_ROOT = "/dev/attestation";
/** `MSPLIT_ENCLAVE=1`: behave as inside an enclave even when no runtime is detected. */
export const ENCLAVE_ENV = "MSPLIT_ENCLAVE";
/**
 * The path of the enclave's encrypted mount, set by the signed manifest (loader.env). Files read
 * through it are plaintext to msplit yet authentic, so sealed-only input accepts them.
 */
export const ENCRYPTED_MOUNT_ENV = "MSPLIT_ENCRYPTED_MOUNT";

export interface EnclaveInfo {
  inEnclave: boolean;
  /** How it was told: Gramine's /dev/attestation, or the environment variable. */
  reason?: "gramine" | "env";
  /** Gramine's attestation_type (`none`, `dcap`), when readable. */
  attestationType?: string;
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
  /** The directory standing in for /dev/attestation (tests imitate it). */
  attestationRoot?: string;
}

export function detectEnclave(options: DetectOptions = {}): EnclaveInfo {
  const env = options.env ?? process.env;
  const root = options.attestationRoot ?? ATTESTATION_ROOT;
  const typePath = join(root, "attestation_type");
  let present = false;
  try {
    statSync(typePath);
    present = true;
  } catch {
    present = false;
  }
  if (present) {
    const attestationType = readSmall(typePath);
    return attestationType === undefined ? { inEnclave: true, reason: "gramine" } : { inEnclave: true, reason: "gramine", attestationType };
  }
  if (env[ENCLAVE_ENV] === "1") return { inEnclave: true, reason: "env" };
  return { inEnclave: false };
}

let cached: boolean | undefined;

/** This process's answer, computed once (the environment and /dev do not change under us). */
export function inEnclave(): boolean {
  cached ??= detectEnclave().inEnclave;
  return cached;
}

/** The encrypted mount named by MSPLIT_ENCRYPTED_MOUNT, if any. */
export function encryptedMount(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[ENCRYPTED_MOUNT_ENV];
  return v ? v : undefined;
}

/** A few bytes of a pseudo-file, without blocking on whatever the path turns out to be. */
function readSmall(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, buf.length, null);
    return buf.subarray(0, n).toString("utf8").replace(/\0+$/, "").trim();
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
