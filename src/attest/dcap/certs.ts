import { createPublicKey, type KeyObject, X509Certificate, verify as verifySignature } from "node:crypto";
import * as pkijs from "pkijs";
import { CollateralInvalid, QuoteInvalid } from "../errors.js";
import { children, DER, oidString, type Tlv, unsignedInt } from "./der.js";

/** Certificates, chains and CRLs of Intel's PCS, checked with node's crypto; parsed with pkijs where node has no parser. */

const MAX_CHAIN = 5;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/**
 * Splits a PEM chain (leaf first). Strict, so that a quote has one encoding: canonical base64,
 * only line breaks between blocks, and at most one trailing NUL (Intel's PCK chains end with one).
 */
export function splitPemChain(text: string, what: string, Err: typeof QuoteInvalid | typeof CollateralInvalid = QuoteInvalid): X509Certificate[] {
  const certs: X509Certificate[] = [];
  let last = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (!/^(\r?\n)?$/.test(text.slice(last, m.index))) throw new Err(`${what}: stray text between certificates`);
    if (certs.length === MAX_CHAIN) throw new Err(`${what}: more than ${MAX_CHAIN} certificates`);
    const b64 = m[1]!.replace(/\r?\n/g, "");
    const der = Buffer.from(b64, "base64");
    if (der.toString("base64") !== b64) throw new Err(`${what}: certificate ${certs.length + 1} is not canonical base64`);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch (e) {
      throw new Err(`${what}: certificate ${certs.length + 1} does not parse: ${(e as Error).message}`, { cause: e });
    }
    // OpenSSL ignores bytes after the certificate's DER; we do not.
    if (!cert.raw.equals(der)) throw new Err(`${what}: certificate ${certs.length + 1} has ${der.length - cert.raw.length} stray bytes after its DER`);
    certs.push(cert);
    last = m.index + m[0].length;
  }
  if (!/^(\r?\n)?\0?$/.test(text.slice(last))) throw new Err(`${what}: stray text after the certificates`);
  if (certs.length === 0) throw new Err(`${what}: no certificate`);
  return certs;
}

export interface ChainCheck {
  ok: boolean;
  detail: string;
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom).getTime() <= now.getTime() && now.getTime() <= new Date(cert.validTo).getTime();
}

function cn(cert: X509Certificate): string {
  return /CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ", ");
}

/**
 * Verifies `chain` (leaf first, the root optional) up to `root`, pinned by its bytes: a chain
 * that carries a root must carry exactly that certificate, and the last CA must be signed by the
 * pinned root's key. Every certificate must be valid at `now`; every issuer must be a CA.
 */
export function verifyChain(chain: readonly X509Certificate[], root: X509Certificate, now: Date): ChainCheck {
  const certs = [...chain];
  const last = certs[certs.length - 1]!;
  if (certs.length > 1 && last.subject === last.issuer) {
    if (!last.raw.equals(root.raw)) return { ok: false, detail: `the chain ends at "${cn(last)}" (SHA-256 ${last.fingerprint256.replaceAll(":", "")}), which is not the pinned root` };
    certs.pop();
  }
  if (certs.length === 0) return { ok: false, detail: "no certificate below the root" };
  const issuers = [...certs.slice(1), root];
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i]!;
    const issuer = issuers[i]!;
    if (!issuer.ca) return { ok: false, detail: `"${cn(issuer)}" is not a CA` };
    if (!cert.checkIssued(issuer)) return { ok: false, detail: `"${cn(cert)}" was not issued by "${cn(issuer)}"` };
    let good = false;
    try {
      good = cert.verify(issuer.publicKey);
    } catch {
      good = false;
    }
    if (!good) return { ok: false, detail: `the signature on "${cn(cert)}" does not verify under ${issuer === root ? "the pinned root" : `"${cn(issuer)}"`}` };
  }
  for (const cert of [...certs, root]) {
    if (!validAt(cert, now)) return { ok: false, detail: `"${cn(cert)}" is not valid at ${now.toISOString()} (${cert.validFrom} to ${cert.validTo})` };
  }
  return { ok: true, detail: `${certs.map(cn).join(" <- ")} <- the pinned "${cn(root)}"` };
}

/** ECDSA P-256 / SHA-256 over `data` with a raw r || s signature, under an X.509 key or a raw x || y point. */
export function verifyRawEcdsa(data: Uint8Array, signature: Uint8Array, key: X509Certificate | Uint8Array): boolean {
  try {
    const publicKey = key instanceof X509Certificate ? key.publicKey : rawP256Key(key);
    return verifySignature("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false; // not a point on the curve, a malformed key: the signature does not verify
  }
}

/** A raw uncompressed P-256 point x || y as a key object (throws when it is not on the curve). */
export function rawP256Key(xy: Uint8Array): KeyObject {
  if (xy.length !== 64) throw new QuoteInvalid(`a P-256 key is 64 bytes, got ${xy.length}`);
  const b = Buffer.from(xy.buffer, xy.byteOffset, xy.byteLength);
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x: b.subarray(0, 32).toString("base64url"), y: b.subarray(32).toString("base64url") }, format: "jwk" });
}

/** What the PCK certificate's SGX extension (OID 1.2.840.113741.1.13.1) says about the platform. */
export interface PckExtension {
  fmspc: string;
  pceId: string;
  pceSvn: number;
  cpuSvn: Buffer;
  /** The 16 SGX TCB component SVNs. */
  tcbComponents: number[];
}

const SGX_EXTENSION = "1.2.840.113741.1.13.1";

export function pckExtension(cert: X509Certificate): PckExtension {
  try {
    return readPckExtension(cert.raw);
  } catch (e) {
    if (e instanceof QuoteInvalid) throw e;
    throw new QuoteInvalid(`the PCK certificate's SGX extension: ${(e as Error).message}`);
  }
}

function readPckExtension(der: Uint8Array): PckExtension {
  const fail = (why: string) => new QuoteInvalid(`the PCK certificate's SGX extension: ${why}`);
  const value = findExtension(der, SGX_EXTENSION);
  if (!value) throw fail("missing");
  const [top, ...rest] = children(value);
  if (!top || top.tag !== DER.SEQUENCE || rest.length) throw fail("not one SEQUENCE");
  const fields = oidMap(top.value, fail);
  const octets = (suffix: string, size: number): Buffer => {
    const v = fields.get(`${SGX_EXTENSION}.${suffix}`);
    if (!v || v.tag !== DER.OCTET_STRING || v.value.length !== size) throw fail(`field .${suffix} is not ${size} bytes`);
    return Buffer.from(v.value);
  };
  const tcb = fields.get(`${SGX_EXTENSION}.2`);
  if (!tcb || tcb.tag !== DER.SEQUENCE) throw fail("no TCB field");
  const tcbFields = oidMap(tcb.value, fail);
  const int = (suffix: number): number => {
    const v = tcbFields.get(`${SGX_EXTENSION}.2.${suffix}`);
    if (!v || v.tag !== DER.INTEGER) throw fail(`TCB field .2.${suffix} is not an integer`);
    const n = unsignedInt(v.value);
    if (n > 0xffff) throw fail(`TCB field .2.${suffix} is out of range`);
    return n;
  };
  const cpuSvn = tcbFields.get(`${SGX_EXTENSION}.2.18`);
  if (!cpuSvn || cpuSvn.tag !== DER.OCTET_STRING || cpuSvn.value.length !== 16) throw fail("the CPUSVN is not 16 bytes");
  return {
    fmspc: octets("4", 6).toString("hex").toUpperCase(),
    pceId: octets("3", 2).toString("hex").toUpperCase(),
    pceSvn: int(17),
    cpuSvn: Buffer.from(cpuSvn.value),
    tcbComponents: Array.from({ length: 16 }, (_, i) => int(i + 1)),
  };
}

/** The content of a SEQUENCE OF SEQUENCE { OID, value } as a map from OID to value. */
function oidMap(content: Uint8Array, fail: (why: string) => Error): Map<string, Tlv> {
  const out = new Map<string, Tlv>();
  for (const item of children(content)) {
    if (item.tag !== DER.SEQUENCE) throw fail("an entry is not a SEQUENCE");
    const [oid, value] = children(item.value);
    if (!oid || oid.tag !== DER.OID || !value) throw fail("an entry is not (OID, value)");
    out.set(oidString(oid.value), value);
  }
  return out;
}

/** The value of extension `oid`: Certificate > tbsCertificate > [3] > Extensions > Extension { extnID, critical?, extnValue }. */
function findExtension(der: Uint8Array, oid: string): Uint8Array | undefined {
  const [cert] = children(der);
  if (!cert || cert.tag !== DER.SEQUENCE) return undefined;
  const [tbs] = children(cert.value);
  if (!tbs || tbs.tag !== DER.SEQUENCE) return undefined;
  const tagged = children(tbs.value).find((n) => n.tag === 0xa3);
  if (!tagged) return undefined;
  const [list] = children(tagged.value);
  if (!list || list.tag !== DER.SEQUENCE) return undefined;
  for (const ext of children(list.value)) {
    if (ext.tag !== DER.SEQUENCE) continue;
    const parts = children(ext.value);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (id?.tag === DER.OID && oidString(id.value) === oid && value?.tag === DER.OCTET_STRING) return value.value;
  }
  return undefined;
}

export interface Crl {
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers, upper-case hex without leading zeros. */
  revoked: Set<string>;
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
}

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

export function parseCrl(der: Uint8Array, what: string): Crl {
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der);
  } catch (e) {
    throw new CollateralInvalid(`${what} is not a CRL: ${(e as Error).message}`, { cause: e });
  }
  const issuer = crl.issuer.typesAndValues.map((tv) => `${tv.type}=${tv.value.valueBlock.value}`).join(",");
  return {
    issuer,
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value,
    revoked: new Set((crl.revokedCertificates ?? []).map((r) => serialHex(r.userCertificate.valueBlock.valueHexView))),
    tbs: Buffer.from(crl.tbsView),
    signatureAlgorithm: crl.signatureAlgorithm.algorithmId,
    signature: Buffer.from(crl.signatureValue.valueBlock.valueHexView),
  };
}

export function serialHex(bytes: Uint8Array | string): string {
  const hex = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("hex");
  return hex.toUpperCase().replace(/^0+(?=.)/, "");
}

/** The CRL's signature under `issuer` and its validity at `now`. */
export function checkCrl(crl: Crl, issuer: X509Certificate, now: Date): ChainCheck {
  if (crl.signatureAlgorithm !== ECDSA_WITH_SHA256) return { ok: false, detail: `signature algorithm ${crl.signatureAlgorithm} is not ecdsa-with-SHA256` };
  let good = false;
  try {
    good = verifySignature("sha256", crl.tbs, issuer.publicKey, crl.signature);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, detail: `the signature does not verify under "${cn(issuer)}"` };
  if (crl.thisUpdate.getTime() > now.getTime()) return { ok: false, detail: `not yet valid at ${now.toISOString()} (thisUpdate ${crl.thisUpdate.toISOString()})` };
  if (!crl.nextUpdate || crl.nextUpdate.getTime() < now.getTime())
    return { ok: false, detail: `expired at ${now.toISOString()} (nextUpdate ${crl.nextUpdate?.toISOString() ?? "missing"})` };
  return { ok: true, detail: `signed by "${cn(issuer)}", valid ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate.toISOString()}, ${crl.revoked.size} revoked` };
}

export { cn as commonName };
