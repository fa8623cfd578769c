/** Evidence (Gramine, sample), SGX DCAP quote verification and attestation policy. */
export { type Attester, type TeeType, REPORT_DATA_SIZE } from "./attester.js";
export { GramineAttester, GRAMINE_ATTESTATION_ROOT, MAX_QUOTE_SIZE, MOUNT_KEY_SIZE, type GramineAttestationType } from "./gramine.js";
export { SampleAttester } from "./sample.js";
export { AttestationRefused, AttesterUnavailable, CollateralInvalid, PolicyInvalid, QuoteInvalid } from "./errors.js";
