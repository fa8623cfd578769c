import { createHash, type X509Certificate } from "node:crypto";
import { checkCrl, commonName, type PckExtension, pckExtension, serialHex, splitPemChain, verifyChain, verifyRawEcdsa } from "./certs.js";
import { type Collateral, convergeStatus, platformTcbLevel, qeTcbLevel, type TcbStatus } from "./collateral.js";
import { INTEL_SGX_ROOT_CA } from "./intel-root.js";
import { CERT_DATA_PCK_CHAIN, INTEL_QE_VENDOR_ID, isDebug, parseQuote, type Quote } from "./quote.js";

/**
 * Verifies an SGX DCAP quote (docs/attestation.md, "What each check protects against"). Every
 * check is reported, passed or not; `ok` is true only when all passed. Time is the caller's
 * `now`, never the clock.
 */

export type CheckName =
  | "qe_vendor_id"
  | "pck_chain"
  | "qe_report_signature"
  | "qe_report_data"
  | "isv_signature"
  | "tcb_info_signature"
  | "tcb_info_validity"
  | "qe_identity_signature"
  | "qe_identity_validity"
  | "root_ca_crl"
  | "pck_crl"
  | "pck_not_revoked"
  | "tcb_info_platform"
  | "qe_identity"
  | "tcb_level";

export interface Check {
  name: CheckName;
  ok: boolean;
  detail: string;
}

export interface VerifyOptions {
  now: Date;
  /** Collateral for this platform, or a set to pick from by the PCK's FMSPC (none matching: no collateral checks). */
  collateral?: Collateral | readonly Collateral[];
  /** The trust anchor; Intel's SGX Root CA unless a test says otherwise. */
  root?: X509Certificate;
}

export interface QuoteSummary {
  version: number;
  tee_type: number;
  qe_svn: number;
  pce_svn: number;
  qe_vendor_id: string;
  mr_enclave: string;
  mr_signer: string;
  isv_prod_id: number;
  isv_svn: number;
  attributes_flags: string;
  debug: boolean;
  config_id: string;
  report_data: string;
  certification_data_type: number;
}

export interface TcbResult {
  /** The platform's status converged with the QE's (what a policy accepts or not). */
  status: TcbStatus;
  platform_status: TcbStatus;
  qe_status: TcbStatus;
  tcb_date: string;
  advisory_ids: string[];
}

export interface QuoteReport {
  quote: QuoteSummary;
  pck?: { issuer: string; fmspc?: string; pce_id?: string; pce_svn?: number; tcb_components?: number[] };
  checks: Check[];
  tcb?: TcbResult;
  ok: boolean;
  /** The parsed quote, for callers that need more than the summary. */
  parsed: Quote;
}

export function summarize(q: Quote): QuoteSummary {
  return {
    version: q.header.version,
    tee_type: q.header.teeType,
    qe_svn: q.header.qeSvn,
    pce_svn: q.header.pceSvn,
    qe_vendor_id: q.header.qeVendorId,
    mr_enclave: q.body.mrEnclave.toString("hex"),
    mr_signer: q.body.mrSigner.toString("hex"),
    isv_prod_id: q.body.isvProdId,
    isv_svn: q.body.isvSvn,
    attributes_flags: `0x${q.body.attributesFlags.toString(16).padStart(16, "0")}`,
    debug: isDebug(q.body),
    config_id: q.body.configId.toString("hex"),
    report_data: q.body.reportData.toString("hex"),
    certification_data_type: q.certification.type,
  };
}

/** Parses (throwing ERR_QUOTE_INVALID on malformed bytes) and verifies a quote. */
export function verifyQuote(bytes: Uint8Array, options: VerifyOptions): QuoteReport {
  const q = parseQuote(bytes);
  const root = options.root ?? INTEL_SGX_ROOT_CA;
  const { now } = options;
  const checks: Check[] = [];
  const add = (name: CheckName, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  add("qe_vendor_id", q.header.qeVendorId === INTEL_QE_VENDOR_ID, q.header.qeVendorId === INTEL_QE_VENDOR_ID ? "Intel" : `${q.header.qeVendorId} is not Intel's quoting enclave`);

  let chain: X509Certificate[] | undefined;
  if (q.certification.type !== CERT_DATA_PCK_CHAIN) {
    add("pck_chain", false, `certification data type ${q.certification.type} carries no PCK certificate chain (type 5 is required)`);
  } else {
    chain = splitPemChain(q.certification.data.toString("latin1"), "the PCK chain");
    const c = verifyChain(chain, root, now);
    add("pck_chain", c.ok, c.detail);
  }
  const leaf = chain?.[0];
  if (leaf) {
    const good = verifyRawEcdsa(q.qeReport.raw, q.qeReportSignature, leaf);
    add("qe_report_signature", good, good ? "signed by the PCK key" : "does not verify under the PCK key");
  } else add("qe_report_signature", false, "no PCK certificate to verify it with");

  const expected = createHash("sha256").update(q.attestationKey).update(q.qeAuthData).digest();
  const bound = q.qeReport.reportData.subarray(0, 32).equals(expected) && q.qeReport.reportData.subarray(32).every((b) => b === 0);
  add("qe_report_data", bound, bound ? "SHA-256(attestation key || QE auth data), zero-padded" : "the QE report does not vouch for this attestation key");

  const isv = verifyRawEcdsa(q.signed, q.isvSignature, q.attestationKey);
  add("isv_signature", isv, isv ? "header and report body signed by the attestation key" : "header and report body do not verify under the attestation key");

  let pck: PckExtension | undefined;
  let pckError: string | undefined;
  if (leaf) {
    try {
      pck = pckExtension(leaf);
    } catch (e) {
      pckError = (e as Error).message;
    }
  }
  const collateral = Array.isArray(options.collateral) ? options.collateral.find((c) => c.tcbInfo.fmspc === pck?.fmspc) : (options.collateral as Collateral | undefined);
  let tcb: TcbResult | undefined;
  if (collateral) tcb = checkCollateral(q, collateral, { root, now, chain, pck, pckError, add });

  return {
    quote: summarize(q),
    pck: leaf
      ? { issuer: chain && chain.length > 1 ? commonName(chain[1]!) : "?", fmspc: pck?.fmspc, pce_id: pck?.pceId, pce_svn: pck?.pceSvn, tcb_components: pck?.tcbComponents }
      : undefined,
    checks,
    tcb,
    ok: checks.every((c) => c.ok),
    parsed: q,
  };
}

interface CollateralContext {
  root: X509Certificate;
  now: Date;
  chain?: X509Certificate[];
  pck?: PckExtension;
  pckError?: string;
  add: (name: CheckName, ok: boolean, detail: string) => void;
}

function within(now: Date, from: Date, to: Date): boolean {
  return from.getTime() <= now.getTime() && now.getTime() <= to.getTime();
}

function checkCollateral(q: Quote, c: Collateral, ctx: CollateralContext): TcbResult | undefined {
  const { root, now, chain, pck, add } = ctx;
  const signedBy = (name: CheckName, signingChain: X509Certificate[], text: Buffer, signature: Buffer) => {
    const v = verifyChain(signingChain, root, now);
    if (!v.ok) return add(name, false, `signing chain: ${v.detail}`);
    const good = verifyRawEcdsa(text, signature, signingChain[0]!);
    add(name, good, good ? `signed by "${commonName(signingChain[0]!)}"` : "the signature does not verify");
  };
  signedBy("tcb_info_signature", c.tcbInfoChain, c.tcbInfoText, c.tcbInfoSignature);
  const ti = c.tcbInfo;
  add("tcb_info_validity", within(now, ti.issueDate, ti.nextUpdate), `issued ${ti.issueDate.toISOString()}, next update ${ti.nextUpdate.toISOString()}, now ${now.toISOString()}`);
  signedBy("qe_identity_signature", c.qeIdentityChain, c.qeIdentityText, c.qeIdentitySignature);
  const qi = c.qeIdentity;
  add("qe_identity_validity", within(now, qi.issueDate, qi.nextUpdate), `issued ${qi.issueDate.toISOString()}, next update ${qi.nextUpdate.toISOString()}, now ${now.toISOString()}`);

  const rootCrl = checkCrl(c.rootCaCrl, root, now);
  add("root_ca_crl", rootCrl.ok, rootCrl.detail);
  const pckCa = chain?.[1];
  if (!pckCa) add("pck_crl", false, "no PCK CA in the quote to check the CRL against");
  else {
    const r = checkCrl(c.pckCrl, pckCa, now);
    add("pck_crl", r.ok, r.ok ? r.detail : `${r.detail} (a CRL of "${commonName(pckCa)}" is needed)`);
  }
  const revoked: string[] = [];
  const leaf = chain?.[0];
  if (leaf && c.pckCrl.revoked.has(serialHex(leaf.serialNumber))) revoked.push("the PCK certificate");
  if (pckCa && c.rootCaCrl.revoked.has(serialHex(pckCa.serialNumber))) revoked.push(`"${commonName(pckCa)}"`);
  for (const cert of [c.tcbInfoChain[0]!, c.qeIdentityChain[0]!]) if (c.rootCaCrl.revoked.has(serialHex(cert.serialNumber))) revoked.push(`"${commonName(cert)}"`);
  add("pck_not_revoked", leaf !== undefined && revoked.length === 0, leaf === undefined ? "no PCK certificate" : revoked.length ? `revoked: ${[...new Set(revoked)].join(", ")}` : "PCK certificate, its CA and the signing certificates not revoked");

  if (!pck) add("tcb_info_platform", false, ctx.pckError ?? "no PCK certificate");
  else {
    const problems: string[] = [];
    if (ti.id !== "SGX") problems.push(`TCB info is for ${ti.id}, not SGX`);
    if (ti.fmspc !== pck.fmspc) problems.push(`TCB info is for FMSPC ${ti.fmspc}, the PCK says ${pck.fmspc}`);
    if (ti.pceId !== pck.pceId) problems.push(`TCB info is for PCE ${ti.pceId}, the PCK says ${pck.pceId}`);
    add("tcb_info_platform", problems.length === 0, problems.length ? problems.join("; ") : `FMSPC ${pck.fmspc}, PCE ${pck.pceId}`);
  }

  const qe = q.qeReport;
  const qeProblems: string[] = [];
  if (qi.id !== "QE") qeProblems.push(`identity is for ${qi.id}, not QE`);
  if (!qe.mrSigner.equals(qi.mrSigner)) qeProblems.push("QE mr_signer differs");
  if (qe.isvProdId !== qi.isvProdId) qeProblems.push(`QE isv_prod_id ${qe.isvProdId}, expected ${qi.isvProdId}`);
  if (((qe.miscSelect & qi.miscSelectMask) >>> 0) !== ((qi.miscSelect & qi.miscSelectMask) >>> 0)) qeProblems.push("QE miscselect differs under the mask");
  if (!qe.attributes.every((b, i) => (b & qi.attributesMask[i]!) === (qi.attributes[i]! & qi.attributesMask[i]!))) qeProblems.push("QE attributes differ under the mask");
  const qeLevel = qeTcbLevel(qi, qe.isvSvn);
  if (!qeLevel) qeProblems.push(`QE isv_svn ${qe.isvSvn} is below every TCB level`);
  else if (qeLevel.status === "Revoked") qeProblems.push(`QE TCB level is Revoked`);
  add("qe_identity", qeProblems.length === 0, qeProblems.length ? qeProblems.join("; ") : `QE TCB ${qeLevel!.status} (isv_svn ${qe.isvSvn})`);

  const level = pck ? platformTcbLevel(ti, pck.tcbComponents, pck.pceSvn) : undefined;
  if (!level) {
    add("tcb_level", false, pck ? "the platform's TCB is below every level in the TCB info" : "no PCK TCB to evaluate");
    return undefined;
  }
  add("tcb_level", level.status !== "Revoked", `${level.status} (TCB date ${level.tcbDate})${level.advisoryIds.length ? `, ${level.advisoryIds.join(", ")}` : ""}`);
  const qeStatus = qeLevel?.status ?? "Revoked";
  return {
    status: convergeStatus(level.status, qeStatus),
    platform_status: level.status,
    qe_status: qeStatus,
    tcb_date: level.tcbDate,
    advisory_ids: [...new Set([...level.advisoryIds, ...(qeLevel?.advisoryIds ?? [])])],
  };
}
