import { QuoteInvalid } from "../errors.js";

/**
 * SGX DCAP ECDSA quotes, versions 3 and 4 (Intel SGX ECDSA Quote Library reference, "Quote
 * format"; docs/attestation.md, "Quote layout"). Little-endian. Every length read from the quote
 * is checked against what is left before it is used; nothing is trusted until `verifyQuote`.
 */

export const HEADER_SIZE = 48;
export const REPORT_BODY_SIZE = 384;
/** The ISV signature covers the header and the ISV report body. */
export const SIGNED_SIZE = HEADER_SIZE + REPORT_BODY_SIZE;
export const ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
export const TEE_TYPE_SGX = 0;
export const TEE_TYPE_TDX = 0x81;
export const INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";
/** Certification data types (Intel): 1-4 are PPID forms without certificates. */
export const CERT_DATA_PCK_CHAIN = 5;
export const CERT_DATA_QE_REPORT = 6;
/** The DEBUG bit of attributes.flags. */
export const ATTRIBUTE_DEBUG = 0x2n;
/** Real quotes are ~4.6 KiB; Gramine hands out at most 8 KiB. Anything far larger is not a quote. */
export const MAX_QUOTE_BYTES = 64 * 1024;

export interface QuoteHeader {
  version: number;
  attestationKeyType: number;
  teeType: number;
  qeSvn: number;
  pceSvn: number;
  qeVendorId: string;
  userData: Buffer;
}

/** An SGX report body (the ISV enclave's, or the quoting enclave's). */
export interface ReportBody {
  cpuSvn: Buffer;
  miscSelect: number;
  isvExtProdId: Buffer;
  attributesFlags: bigint;
  attributesXfrm: bigint;
  /** The 16 attribute bytes as they sit in the report (flags then xfrm). */
  attributes: Buffer;
  mrEnclave: Buffer;
  mrSigner: Buffer;
  configId: Buffer;
  isvProdId: number;
  isvSvn: number;
  configSvn: number;
  isvFamilyId: Buffer;
  reportData: Buffer;
  /** The 384 bytes as signed. */
  raw: Buffer;
}

export interface Quote {
  header: QuoteHeader;
  body: ReportBody;
  /** quote[0:432]: what the ISV signature covers. */
  signed: Buffer;
  isvSignature: Buffer;
  /** Raw P-256 point x || y (64 bytes). */
  attestationKey: Buffer;
  qeReport: ReportBody;
  qeReportSignature: Buffer;
  qeAuthData: Buffer;
  /** The innermost certification data (for v4, the one nested in type 6). */
  certification: { type: number; data: Buffer };
}

/** Bounds-checked little-endian reader; every read names what it reads in the error. */
class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  get left(): number {
    return this.buf.length - this.offset;
  }
  take(n: number, what: string): Buffer {
    if (n < 0 || n > this.left) throw new QuoteInvalid(`truncated quote: ${what} needs ${n} bytes at offset ${this.offset}, ${this.left} left`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u16(what: string): number {
    return this.take(2, what).readUInt16LE(0);
  }
  u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }
}

export function parseReportBody(raw: Buffer): ReportBody {
  if (raw.length !== REPORT_BODY_SIZE) throw new QuoteInvalid(`a report body is ${REPORT_BODY_SIZE} bytes, got ${raw.length}`);
  return {
    cpuSvn: raw.subarray(0, 16),
    miscSelect: raw.readUInt32LE(16),
    isvExtProdId: raw.subarray(32, 48),
    attributesFlags: raw.readBigUInt64LE(48),
    attributesXfrm: raw.readBigUInt64LE(56),
    attributes: raw.subarray(48, 64),
    mrEnclave: raw.subarray(64, 96),
    mrSigner: raw.subarray(128, 160),
    configId: raw.subarray(192, 256),
    isvProdId: raw.readUInt16LE(256),
    isvSvn: raw.readUInt16LE(258),
    configSvn: raw.readUInt16LE(260),
    isvFamilyId: raw.subarray(304, 320),
    reportData: raw.subarray(320, 384),
    raw,
  };
}

/** Parses an SGX quote. Structure only: signatures, chains and bindings are `verifyQuote`'s job. */
export function parseQuote(bytes: Uint8Array): Quote {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > MAX_QUOTE_BYTES) throw new QuoteInvalid(`${buf.length} bytes is too large for an SGX quote (at most ${MAX_QUOTE_BYTES})`);
  const r = new Reader(buf);
  const h = r.take(HEADER_SIZE, "the header");
  const header: QuoteHeader = {
    version: h.readUInt16LE(0),
    attestationKeyType: h.readUInt16LE(2),
    teeType: h.readUInt32LE(4),
    qeSvn: h.readUInt16LE(8),
    pceSvn: h.readUInt16LE(10),
    qeVendorId: h.subarray(12, 28).toString("hex"),
    userData: h.subarray(28, 48),
  };
  if (header.version !== 3 && header.version !== 4) throw new QuoteInvalid(`quote version ${header.version} is not supported (3 or 4)`);
  if (header.teeType === TEE_TYPE_TDX) throw new QuoteInvalid("a TDX quote (tee_type 0x81), not an SGX one");
  if (header.teeType !== TEE_TYPE_SGX) throw new QuoteInvalid(`unknown tee_type 0x${header.teeType.toString(16)}`);
  if (header.attestationKeyType !== ATTESTATION_KEY_TYPE_ECDSA_P256)
    throw new QuoteInvalid(`attestation key type ${header.attestationKeyType} is not supported (2 = ECDSA P-256)`);
  const body = parseReportBody(r.take(REPORT_BODY_SIZE, "the ISV report body"));
  const signed = buf.subarray(0, SIGNED_SIZE);

  const sigLen = r.u32("the signature data length");
  if (sigLen !== r.left) throw new QuoteInvalid(`the signature data length says ${sigLen} bytes, ${r.left} follow`);
  const s = new Reader(r.take(sigLen, "the signature data"));
  const isvSignature = s.take(64, "the ISV signature");
  const attestationKey = s.take(64, "the attestation key");

  let qe: QeCertification;
  let certification: { type: number; data: Buffer };
  if (header.version === 3) {
    qe = readQeCertification(s);
    certification = qe.certification;
  } else {
    const outer = readCertificationData(s, "the certification data");
    if (outer.type !== CERT_DATA_QE_REPORT) throw new QuoteInvalid(`a version 4 quote carries certification data type ${outer.type}, not 6 (QE report)`);
    const inner = new Reader(outer.data);
    qe = readQeCertification(inner);
    if (inner.left !== 0) throw new QuoteInvalid(`${inner.left} stray bytes after the QE report certification data`);
    certification = qe.certification;
  }
  if (s.left !== 0) throw new QuoteInvalid(`${s.left} stray bytes after the certification data`);
  return { header, body, signed, isvSignature, attestationKey, ...qe, certification };
}

interface QeCertification {
  qeReport: ReportBody;
  qeReportSignature: Buffer;
  qeAuthData: Buffer;
  certification: { type: number; data: Buffer };
}

function readQeCertification(r: Reader): QeCertification {
  const qeReport = parseReportBody(r.take(REPORT_BODY_SIZE, "the QE report"));
  const qeReportSignature = r.take(64, "the QE report signature");
  const qeAuthData = r.take(r.u16("the QE auth data length"), "the QE auth data");
  const certification = readCertificationData(r, "the certification data");
  return { qeReport, qeReportSignature, qeAuthData, certification };
}

function readCertificationData(r: Reader, what: string): { type: number; data: Buffer } {
  const type = r.u16(`${what} type`);
  const size = r.u32(`${what} size`);
  return { type, data: r.take(size, what) };
}

export function isDebug(body: ReportBody): boolean {
  return (body.attributesFlags & ATTRIBUTE_DEBUG) !== 0n;
}
