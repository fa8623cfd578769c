import type { X509Certificate } from "node:crypto";
import { claimsOf } from "../attest/appraise.js";
import type { Collateral } from "../attest/dcap/collateral.js";
import { MAX_QUOTE_BYTES, parseQuote } from "../attest/dcap/quote.js";
import { verifyQuote } from "../attest/dcap/verify.js";
import type { EvidenceClaims } from "../attest/policy.js";
import { padReportData } from "./protocol.js";

/**
 * The broker's attestation layer (Trustee's verifier): turns evidence into claims, or says why
 * not. It checks that the evidence is genuine and bound to this session's runtime data; whether
 * the claims are acceptable is the policy layer's question, asked when a resource is requested.
 */
export interface EvidenceOptions {
  now: Date;
  collateral: readonly Collateral[];
  allowSample: boolean;
  root?: X509Certificate;
}

export type EvidenceResult = { ok: true; claims: EvidenceClaims } | { ok: false; kind: "ReportDataMismatch" | "EvidenceRefused" | "InvalidRequest"; detail: string };

export function verifyEvidence(tee: "sgx" | "sample", evidence: unknown, digest: Buffer, options: EvidenceOptions): EvidenceResult {
  if (typeof evidence !== "object" || evidence === null || Array.isArray(evidence)) return { ok: false, kind: "InvalidRequest", detail: "primary_evidence must be an object" };
  const e = evidence as Record<string, unknown>;
  if (tee === "sample") {
    if (!options.allowSample) return { ok: false, kind: "EvidenceRefused", detail: "sample evidence is unsigned; this broker does not run with --insecure-allow-sample" };
    if (typeof e.report_data !== "string" || typeof e.svn !== "string") return { ok: false, kind: "InvalidRequest", detail: "sample evidence is {svn, report_data}" };
    if (!Buffer.from(e.report_data, "base64").equals(digest)) return { ok: false, kind: "ReportDataMismatch", detail: "the sample evidence's report_data is not the digest of this session's runtime data" };
    return { ok: true, claims: { tee: "sample" } };
  }
  if (typeof e.quote !== "string" || e.quote.length > ((MAX_QUOTE_BYTES * 4) / 3) + 4) return { ok: false, kind: "InvalidRequest", detail: "SGX evidence is {quote: base64}" };
  const bytes = Buffer.from(e.quote, "base64");
  let reportData: Buffer;
  try {
    reportData = parseQuote(bytes).body.reportData;
  } catch (err) {
    return { ok: false, kind: "EvidenceRefused", detail: (err as Error).message };
  }
  if (!reportData.equals(padReportData(digest)))
    return { ok: false, kind: "ReportDataMismatch", detail: "the quote's report_data is not the digest of this session's runtime data (nonce, tee-pubkey)" };
  const report = verifyQuote(bytes, { now: options.now, collateral: options.collateral, root: options.root });
  if (!report.ok) return { ok: false, kind: "EvidenceRefused", detail: `quote checks failed: ${report.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`).join("; ")}` };
  return { ok: true, claims: claimsOf(report) };
}
