import { MsplitError } from "../errors.js";

/** Errors of evidence, quote verification and attestation policy (docs/attestation.md, "Error codes"). */

/** Bytes that are not a well-formed SGX DCAP quote: bad version, a length that runs past the end... */
export class QuoteInvalid extends MsplitError {
  static override code = "ERR_QUOTE_INVALID" as const;
}

/** Collateral (TCB info, QE identity, CRLs) that cannot be parsed. Bad signatures are check results, not errors. */
export class CollateralInvalid extends MsplitError {
  static override code = "ERR_COLLATERAL_INVALID" as const;
}

/** A policy file that breaks docs/attestation.md, "Policy". */
export class PolicyInvalid extends MsplitError {
  static override code = "ERR_POLICY_INVALID" as const;
}

/** Verification or the policy refused the evidence; the message names every failed check or rule. */
export class AttestationRefused extends MsplitError {
  static override code = "ERR_ATTESTATION_REFUSED" as const;
}

/** The attester cannot produce evidence: not inside Gramine, no DCAP, a device that misbehaves. */
export class AttesterUnavailable extends MsplitError {
  static override code = "ERR_ATTESTER_UNAVAILABLE" as const;
}
