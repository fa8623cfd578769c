/**
 * Where evidence comes from: one interface, a backend per TEE (as guest-components' attesters).
 * An attester binds `reportData` (at most 64 bytes, zero-padded) into evidence that a verifier
 * checks; the evidence is the JSON that goes into the KBS `tee-evidence.primary_evidence`.
 */
export type TeeType = "sgx" | "sample";

export interface Attester {
  /** The KBS `tee` value of this evidence. */
  readonly tee: TeeType;
  evidence(reportData: Uint8Array): Promise<Record<string, unknown>>;
}

export const REPORT_DATA_SIZE = 64;
