/** Evidence (Gramine, sample), SGX DCAP quote verification and attestation policy. */
export { type Attester, type TeeType, REPORT_DATA_SIZE } from "./attester.js";
export { GramineAttester, GRAMINE_ATTESTATION_ROOT, MAX_QUOTE_SIZE, MOUNT_KEY_SIZE, type GramineAttestationType } from "./gramine.js";
export { SampleAttester } from "./sample.js";
export { parseQuote, isDebug, type Quote, type QuoteHeader, type ReportBody, MAX_QUOTE_BYTES } from "./dcap/quote.js";
export { verifyQuote, type Check, type CheckName, type QuoteReport, type QuoteSummary, type TcbResult, type VerifyOptions } from "./dcap/verify.js";
export { parseCollateral, TCB_STATUSES, type Collateral, type TcbStatus } from "./dcap/collateral.js";
export { INTEL_SGX_ROOT_CA, INTEL_SGX_ROOT_CA_PEM, INTEL_SGX_ROOT_CA_SHA256 } from "./dcap/intel-root.js";
export { parsePolicy, evaluatePolicy, type AttestationPolicy, type EvidenceClaims, type PolicyRule, type Refusal } from "./policy.js";
export { appraiseQuote, claimsOf, type Appraisal, type AppraiseOptions } from "./appraise.js";
export { AttestationRefused, AttesterUnavailable, CollateralInvalid, PolicyInvalid, QuoteInvalid } from "./errors.js";
