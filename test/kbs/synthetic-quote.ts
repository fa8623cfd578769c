import { createHash, createPrivateKey, generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir } from "../helpers/index.js";

/**
 * SGX DCAP v3 quotes that are genuine under the test PKI in test/fixtures/dcap-test-ca: the same
 * layout and signatures as real ones (docs/attestation.md), with the fields a test chooses.
 */
const dir = join(fixturesDir, "dcap-test-ca");
export const TEST_ROOT = new X509Certificate(readFileSync(join(dir, "root.pem")));
const pckKey = createPrivateKey(readFileSync(join(dir, "pck_leaf.key.pem")));
const chainPem = Buffer.concat([readFileSync(join(dir, "pck_leaf.pem")), readFileSync(join(dir, "pck_ca.pem")), readFileSync(join(dir, "root.pem")), Buffer.from([0])]);

export interface SyntheticQuote {
  reportData: Uint8Array;
  mrEnclave?: string;
  mrSigner?: string;
  debug?: boolean;
  isvProdId?: number;
  isvSvn?: number;
  /** 3 (default) or 4: version 4 wraps the QE report and the PCK chain in certification data type 6. */
  version?: 3 | 4;
}

const sig = (data: Uint8Array, key: Parameters<typeof sign>[2] extends infer K ? K : never) => sign("sha256", data, { key: key as never, dsaEncoding: "ieee-p1363" });

export function syntheticQuote(o: SyntheticQuote): Buffer {
  const header = Buffer.alloc(48);
  header.writeUInt16LE(o.version ?? 3, 0);
  header.writeUInt16LE(2, 2);
  header.writeUInt16LE(10, 8);
  header.writeUInt16LE(15, 10);
  Buffer.from("939a7233f79c4ca9940a0db3957f0607", "hex").copy(header, 12);
  const body = Buffer.alloc(384);
  body.writeBigUInt64LE(o.debug ? 0x7n : 0x5n, 48);
  body.writeBigUInt64LE(0xe7n, 56);
  Buffer.from(o.mrEnclave ?? "11".repeat(32), "hex").copy(body, 64);
  Buffer.from(o.mrSigner ?? "22".repeat(32), "hex").copy(body, 128);
  body.writeUInt16LE(o.isvProdId ?? 1, 256);
  body.writeUInt16LE(o.isvSvn ?? 2, 258);
  Buffer.from(o.reportData).copy(body, 320);

  const att = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = att.publicKey.export({ format: "jwk" });
  const attPub = Buffer.concat([Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
  const authData = Buffer.alloc(32, 7);
  const qeReport = Buffer.alloc(384);
  qeReport.writeBigUInt64LE(0x15n, 48);
  createHash("sha256").update(attPub).update(authData).digest().copy(qeReport, 320);

  const signed = Buffer.concat([header, body]);
  const authLen = Buffer.alloc(2);
  authLen.writeUInt16LE(authData.length);
  const certHead = Buffer.alloc(6);
  certHead.writeUInt16LE(5, 0);
  certHead.writeUInt32LE(chainPem.length, 2);
  const qeCertification = Buffer.concat([qeReport, sig(qeReport, pckKey), authLen, authData, certHead, chainPem]);
  let sigData: Buffer;
  if (o.version === 4) {
    const outer = Buffer.alloc(6);
    outer.writeUInt16LE(6, 0);
    outer.writeUInt32LE(qeCertification.length, 2);
    sigData = Buffer.concat([sig(signed, att.privateKey), attPub, outer, qeCertification]);
  } else sigData = Buffer.concat([sig(signed, att.privateKey), attPub, qeCertification]);
  const sigLen = Buffer.alloc(4);
  sigLen.writeUInt32LE(sigData.length);
  return Buffer.concat([signed, sigLen, sigData]);
}
