import type { X509Certificate } from "node:crypto";
import type { Collateral } from "./dcap/collateral.js";
import { type QuoteReport, verifyQuote } from "./dcap/verify.js";
import { type AttestationPolicy, type EvidenceClaims, evaluatePolicy, type Refusal } from "./policy.js";

export interface AppraiseOptions {
  now: Date;
  collateral?: Collateral;
  policy?: AttestationPolicy;
  root?: X509Certificate;
}

export interface Appraisal {
  report: QuoteReport;
  claims: EvidenceClaims;
  /** Present when a policy was given: every rule the quote breaks. */
  refusals?: Refusal[];
  /** Every check passed, and the policy (if any) accepts. */
  ok: boolean;
}

/** The claims a verified SGX quote supports (the TCB status only when the collateral checked out). */
export function claimsOf(report: QuoteReport): EvidenceClaims {
  const q = report.quote;
  return {
    tee: "sgx",
    mr_enclave: q.mr_enclave,
    mr_signer: q.mr_signer,
    isv_prod_id: q.isv_prod_id,
    isv_svn: q.isv_svn,
    debug: q.debug,
    tcb_status: report.ok ? report.tcb?.status : undefined,
  };
}

/** Verifies a quote (with collateral when given) and applies a policy: what `msplit attest verify` prints. */
export function appraiseQuote(quote: Uint8Array, options: AppraiseOptions): Appraisal {
  const report = verifyQuote(quote, options);
  const claims = claimsOf(report);
  const refusals = options.policy ? evaluatePolicy(options.policy, claims) : undefined;
  return { report, claims, refusals, ok: report.ok && (refusals?.length ?? 0) === 0 };
}
