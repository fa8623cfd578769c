import { randomBytes, randomUUID } from "node:crypto";
import type { EvidenceClaims } from "../attest/policy.js";
import type { TeePubKey } from "./protocol.js";

/**
 * RCAR sessions (Trustee's SessionMap): one per /auth, named by the `kbs-session-id` cookie,
 * with one fresh nonce that can be presented once, and an expiry. Bounded in number: a client
 * that opens sessions without finishing them cannot grow the broker's memory without limit.
 */
export interface Session {
  id: string;
  tee: "sgx" | "sample";
  nonce: string;
  expiresAt: number;
  /** The nonce was presented to /attest (whatever the outcome): it cannot be used again. */
  nonceUsed: boolean;
  attested?: { claims: EvidenceClaims; teePubKey: TeePubKey; token: string };
}

export type Lookup = { session: Session } | { missing: true } | { expired: true };

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly timeoutMs: number,
    private readonly maxSessions: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A new session, or undefined when the store is full of live sessions. */
  create(tee: Session["tee"]): Session | undefined {
    if (this.sessions.size >= this.maxSessions) this.prune();
    if (this.sessions.size >= this.maxSessions) return undefined;
    const session: Session = {
      id: randomUUID().replaceAll("-", ""),
      tee,
      nonce: randomBytes(32).toString("base64"),
      expiresAt: this.now() + this.timeoutMs,
      nonceUsed: false,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  lookup(id: string | undefined): Lookup {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return { missing: true };
    if (session.expiresAt < this.now()) {
      this.sessions.delete(session.id);
      return { expired: true };
    }
    return { session };
  }

  prune(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(id);
  }
}
