import type { X509Certificate } from "node:crypto";
import { CollateralInvalid } from "../errors.js";
import { type Crl, parseCrl, splitPemChain } from "./certs.js";

/**
 * Intel PCS collateral for one platform (docs/attestation.md, "Collateral"): the TCB info and QE
 * identity as the exact signed JSON texts with their raw r || s signatures and issuer chains, the
 * root CA CRL and the PCK CA CRL (DER as hex). The shape of dcap-qvl's QuoteCollateralV3.
 */
export interface CollateralFile {
  tcb_info: string;
  tcb_info_signature: string;
  tcb_info_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
  qe_identity_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  pck_crl_issuer_chain: string;
}

export const TCB_STATUSES = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
] as const;
export type TcbStatus = (typeof TCB_STATUSES)[number];

export interface TcbLevel {
  components: number[];
  pceSvn: number;
  tcbDate: string;
  status: TcbStatus;
  advisoryIds: string[];
}

export interface TcbInfo {
  id: string;
  version: number;
  issueDate: Date;
  nextUpdate: Date;
  fmspc: string;
  pceId: string;
  levels: TcbLevel[];
}

export interface QeIdentityLevel {
  isvSvn: number;
  tcbDate: string;
  status: TcbStatus;
  advisoryIds: string[];
}

export interface QeIdentity {
  id: string;
  version: number;
  issueDate: Date;
  nextUpdate: Date;
  miscSelect: number;
  miscSelectMask: number;
  attributes: Buffer;
  attributesMask: Buffer;
  mrSigner: Buffer;
  isvProdId: number;
  levels: QeIdentityLevel[];
}

export interface Collateral {
  tcbInfoText: Buffer;
  tcbInfoSignature: Buffer;
  tcbInfoChain: X509Certificate[];
  tcbInfo: TcbInfo;
  qeIdentityText: Buffer;
  qeIdentitySignature: Buffer;
  qeIdentityChain: X509Certificate[];
  qeIdentity: QeIdentity;
  rootCaCrl: Crl;
  pckCrl: Crl;
  pckCrlChain: X509Certificate[];
}

const MAX_COLLATERAL_BYTES = 1 << 20;

/** Parses collateral JSON text. Structure only; signatures and dates are checked by `verifyQuote`. */
export function parseCollateral(text: string | Uint8Array, what = "the collateral"): Collateral {
  const source = typeof text === "string" ? text : Buffer.from(text).toString("utf8");
  if (source.length > MAX_COLLATERAL_BYTES) throw new CollateralInvalid(`${what} is larger than ${MAX_COLLATERAL_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    throw new CollateralInvalid(`${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(json)) throw new CollateralInvalid(`${what} is not a JSON object`);
  const str = (key: keyof CollateralFile): string => {
    const v = json[key];
    if (typeof v !== "string" || v.length === 0) throw new CollateralInvalid(`${what}: "${key}" must be a non-empty string`);
    return v;
  };
  const hex = (key: keyof CollateralFile, size?: number): Buffer => {
    const v = str(key);
    if (!/^([0-9a-fA-F]{2})+$/.test(v) || (size !== undefined && v.length !== size * 2)) throw new CollateralInvalid(`${what}: "${key}" must be ${size ?? "some"} bytes of hex`);
    return Buffer.from(v, "hex");
  };
  const tcbInfoText = Buffer.from(str("tcb_info"), "utf8");
  const qeIdentityText = Buffer.from(str("qe_identity"), "utf8");
  return {
    tcbInfoText,
    tcbInfoSignature: hex("tcb_info_signature", 64),
    tcbInfoChain: splitPemChain(str("tcb_info_issuer_chain"), `${what}: tcb_info_issuer_chain`, CollateralInvalid),
    tcbInfo: parseTcbInfo(tcbInfoText.toString("utf8"), `${what}: tcb_info`),
    qeIdentityText,
    qeIdentitySignature: hex("qe_identity_signature", 64),
    qeIdentityChain: splitPemChain(str("qe_identity_issuer_chain"), `${what}: qe_identity_issuer_chain`, CollateralInvalid),
    qeIdentity: parseQeIdentity(qeIdentityText.toString("utf8"), `${what}: qe_identity`),
    rootCaCrl: parseCrl(hex("root_ca_crl"), `${what}: root_ca_crl`),
    pckCrl: parseCrl(hex("pck_crl"), `${what}: pck_crl`),
    pckCrlChain: splitPemChain(str("pck_crl_issuer_chain"), `${what}: pck_crl_issuer_chain`, CollateralInvalid),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly what: string,
  ) {}
  fail(why: string): CollateralInvalid {
    return new CollateralInvalid(`${this.what}: ${why}`);
  }
  string(key: string): string {
    const v = this.obj[key];
    if (typeof v !== "string") throw this.fail(`"${key}" must be a string`);
    return v;
  }
  int(key: string, max = 0xffff): number {
    const v = this.obj[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw this.fail(`"${key}" must be an integer in 0..${max}`);
    return v;
  }
  date(key: string): Date {
    const d = new Date(this.string(key));
    if (Number.isNaN(d.getTime())) throw this.fail(`"${key}" is not a date`);
    return d;
  }
  hex(key: string, size: number): Buffer {
    const v = this.string(key);
    if (v.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(v)) throw this.fail(`"${key}" must be ${size} bytes of hex`);
    return Buffer.from(v, "hex");
  }
  array(key: string): unknown[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.length === 0 || v.length > 1000) throw this.fail(`"${key}" must be a non-empty array`);
    return v;
  }
  object(key: string): Fields {
    const v = this.obj[key];
    if (!isObject(v)) throw this.fail(`"${key}" must be an object`);
    return new Fields(v, `${this.what}.${key}`);
  }
  status(): TcbStatus {
    const s = this.string("tcbStatus");
    if (!(TCB_STATUSES as readonly string[]).includes(s)) throw this.fail(`unknown tcbStatus ${JSON.stringify(s.slice(0, 40))}`);
    return s as TcbStatus;
  }
  advisories(): string[] {
    const v = this.obj.advisoryIDs;
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((a) => typeof a === "string")) throw this.fail(`"advisoryIDs" must be an array of strings`);
    return v;
  }
}

function parseJsonObject(text: string, what: string): Fields {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CollateralInvalid(`${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(v)) throw new CollateralInvalid(`${what} is not a JSON object`);
  return new Fields(v, what);
}

/** TCB info v2 (sgxtcbcomp01svn..16) and v3 (sgxtcbcomponents[16]). */
export function parseTcbInfo(text: string, what: string): TcbInfo {
  const f = parseJsonObject(text, what);
  const version = f.int("version");
  if (version !== 2 && version !== 3) throw f.fail(`version ${version} is not supported (2 or 3)`);
  const id = version === 3 ? f.string("id") : "SGX";
  const levels = f.array("tcbLevels").map((l, i) => {
    if (!isObject(l)) throw f.fail(`tcbLevels[${i}] is not an object`);
    const lf = new Fields(l, `${what}.tcbLevels[${i}]`);
    const tcb = lf.object("tcb");
    let components: number[];
    if (version === 3) {
      const comps = tcb.array("sgxtcbcomponents");
      if (comps.length !== 16) throw lf.fail("sgxtcbcomponents must have 16 entries");
      components = comps.map((c, k) => {
        if (!isObject(c)) throw lf.fail(`sgxtcbcomponents[${k}] is not an object`);
        return new Fields(c, `${what}.tcbLevels[${i}].sgxtcbcomponents[${k}]`).int("svn", 255);
      });
    } else {
      components = Array.from({ length: 16 }, (_, k) => tcb.int(`sgxtcbcomp${String(k + 1).padStart(2, "0")}svn`, 255));
    }
    return { components, pceSvn: tcb.int("pcesvn"), tcbDate: lf.string("tcbDate"), status: lf.status(), advisoryIds: lf.advisories() };
  });
  return {
    id,
    version,
    issueDate: f.date("issueDate"),
    nextUpdate: f.date("nextUpdate"),
    fmspc: f.hex("fmspc", 6).toString("hex").toUpperCase(),
    pceId: f.hex("pceId", 2).toString("hex").toUpperCase(),
    levels,
  };
}

export function parseQeIdentity(text: string, what: string): QeIdentity {
  const f = parseJsonObject(text, what);
  const version = f.int("version");
  if (version !== 2) throw f.fail(`version ${version} is not supported (2)`);
  return {
    id: f.string("id"),
    version,
    issueDate: f.date("issueDate"),
    nextUpdate: f.date("nextUpdate"),
    miscSelect: f.hex("miscselect", 4).readUInt32BE(0),
    miscSelectMask: f.hex("miscselectMask", 4).readUInt32BE(0),
    attributes: f.hex("attributes", 16),
    attributesMask: f.hex("attributesMask", 16),
    mrSigner: f.hex("mrsigner", 32),
    isvProdId: f.int("isvprodid"),
    levels: f.array("tcbLevels").map((l, i) => {
      if (!isObject(l)) throw f.fail(`tcbLevels[${i}] is not an object`);
      const lf = new Fields(l, `${what}.tcbLevels[${i}]`);
      return { isvSvn: lf.object("tcb").int("isvsvn"), tcbDate: lf.string("tcbDate"), status: lf.status(), advisoryIds: lf.advisories() };
    }),
  };
}

/** The first level whose 16 component SVNs and PCE SVN are all at most the platform's (Intel's order: newest first). */
export function platformTcbLevel(info: TcbInfo, components: readonly number[], pceSvn: number): TcbLevel | undefined {
  return info.levels.find((l) => l.components.every((svn, i) => (components[i] ?? -1) >= svn) && pceSvn >= l.pceSvn);
}

export function qeTcbLevel(identity: QeIdentity, isvSvn: number): QeIdentityLevel | undefined {
  return identity.levels.find((l) => isvSvn >= l.isvSvn);
}

/** Intel QVL's convergence of the platform status with the QE's: an out-of-date QE makes the platform out of date. */
export function convergeStatus(platform: TcbStatus, qe: TcbStatus): TcbStatus {
  if (qe === "Revoked" || platform === "Revoked") return "Revoked";
  if (qe === "OutOfDate") {
    if (platform === "UpToDate" || platform === "SWHardeningNeeded") return "OutOfDate";
    if (platform === "ConfigurationNeeded" || platform === "ConfigurationAndSWHardeningNeeded") return "OutOfDateConfigurationNeeded";
  }
  return platform;
}
