import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";
import type { EvidenceClaims } from "../attest/policy.js";
import type { TeePubKey } from "./protocol.js";

/**
 * The attestation token /attest returns (Trustee: a JWT of the attestation results). Signed with
 * a key the broker makes at start and never stores: tokens die with the process, as sessions do.
 */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly jwk: JWK,
    private readonly clock: () => Date,
  ) {}

  static async create(clock: () => Date): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    return new TokenIssuer(privateKey, publicKey, await exportJWK(publicKey), clock);
  }

  issue(claims: EvidenceClaims, teePubKey: TeePubKey, expiresAt: number): Promise<string> {
    return new SignJWT({ claims, "tee-pubkey": teePubKey })
      .setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .setIssuer("msplit-kbs")
      .setIssuedAt(Math.floor(this.clock().getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.privateKey);
  }

  async verify(token: string): Promise<{ claims: EvidenceClaims; teePubKey: TeePubKey } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { issuer: "msplit-kbs", algorithms: ["ES256"], currentDate: this.clock() });
      return { claims: payload.claims as EvidenceClaims, teePubKey: payload["tee-pubkey"] as TeePubKey };
    } catch {
      return undefined;
    }
  }
}
