import { createHash, type X509Certificate } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { pino, type Logger } from "pino";
import type { Collateral } from "../attest/dcap/collateral.js";
import { type AttestationPolicy, evaluatePolicy } from "../attest/policy.js";
import { verifyEvidence } from "./evidence.js";
import { encryptResource, checkTeePubKey } from "./jwe.js";
import { DEFAULT_HASH_ALGORITHM, ERROR_KINDS, type ErrorKind, errorBody, KBS_PREFIX, KBS_PROTOCOL_VERSION, runtimeDataDigest, SESSION_COOKIE } from "./protocol.js";
import type { ResourceStore } from "./resources.js";
import { type Lookup, SessionStore } from "./sessions.js";
import { TokenIssuer } from "./token.js";

/**
 * msplit's key broker: Trustee KBS's RCAR endpoints and messages, in layers as Trustee has them:
 * API (this file: routes, cookies, limits) -> attestation (sessions, evidence.ts) -> policy
 * (attest/policy.ts, asked per resource) -> resources (resources.ts, released as a JWE).
 */
export interface KbsServerOptions {
  policy: AttestationPolicy;
  resources: ResourceStore;
  collateral?: readonly Collateral[];
  /** Accept Trustee's unsigned "sample" evidence. For tests and demos only. */
  allowSample?: boolean;
  /** Session lifetime (Trustee's default: 5 minutes). */
  sessionTimeoutSeconds?: number;
  maxSessions?: number;
  /** Requests per client address per minute; false disables the limit. */
  rateLimitPerMinute?: number | false;
  /** Largest accepted request body. */
  bodyLimit?: number;
  /** The broker's time, for session expiry and certificate/collateral validity. */
  clock?: () => Date;
  logger?: Logger | false;
  https?: { key: Buffer; cert: Buffer };
  /** Trust anchor for quotes; Intel's SGX Root CA unless a test says otherwise. */
  root?: X509Certificate;
}

class Refusal extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A short, non-reversible name for a session in logs (the cookie itself is a bearer secret). */
const sessionTag = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 12);

export async function createKbsServer(options: KbsServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? pino({ name: "msplit-kbs" }));
  const sessions = new SessionStore((options.sessionTimeoutSeconds ?? 300) * 1000, options.maxSessions ?? 10_000, () => clock().getTime());
  const tokens = await TokenIssuer.create(clock);
  const collateral = options.collateral ?? [];
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    https: options.https ?? null,
  } as never) as unknown as FastifyInstance;

  await app.register(fastifyCookie);
  if (options.rateLimitPerMinute !== false) {
    await app.register(fastifyRateLimit, {
      max: options.rateLimitPerMinute ?? 600,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, ...errorBody("RateLimited", `more than ${ctx.max} requests per minute from this client`) }),
    });
  }

  const refuse = (reply: FastifyReply, kind: ErrorKind, detail: string) => reply.code(ERROR_KINDS[kind]).type("application/json").send(errorBody(kind, detail));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; type?: string; detail?: string }, request, reply) => {
    if (error instanceof Refusal) {
      request.log.warn({ kind: error.kind, detail: error.detail }, "refused");
      return refuse(reply, error.kind, error.detail);
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return reply.code(429).send(errorBody("RateLimited", error.detail ?? "rate limited"));
    if (status === 413) return refuse(reply, "PayloadTooLarge", "the request body is too large");
    if (status >= 400 && status < 500) return refuse(reply, "InvalidRequest", error.message);
    request.log.error({ err: error }, "internal error");
    return reply.code(500).send(errorBody("InvalidRequest", "internal error"));
  });

  const cookieOptions = (expiresAt: number) => ({ path: KBS_PREFIX, httpOnly: true, sameSite: "strict" as const, secure: Boolean(options.https), expires: new Date(expiresAt) });
  const live = (lookup: Lookup) => {
    if ("missing" in lookup) throw new Refusal("SessionNotFound", "no such session; start again with /auth");
    if ("expired" in lookup) throw new Refusal("SessionExpired", "the session expired; start again with /auth");
    return lookup.session;
  };

  app.post(`${KBS_PREFIX}/auth`, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== "object") throw new Refusal("InvalidRequest", "the body must be a KBS Request");
    if (body.version !== KBS_PROTOCOL_VERSION) throw new Refusal("InvalidRequest", `protocol version ${JSON.stringify(body.version)}; this broker speaks ${KBS_PROTOCOL_VERSION}`);
    if (body.tee !== "sgx" && body.tee !== "sample") throw new Refusal("InvalidRequest", `tee ${JSON.stringify(body.tee)} is not supported (sgx, sample)`);
    if (body.tee === "sample" && !options.allowSample) throw new Refusal("EvidenceRefused", "sample evidence is not accepted by this broker");
    const session = sessions.create(body.tee);
    if (!session) throw new Refusal("Overloaded", "too many open sessions; retry later");
    request.log.info({ session: sessionTag(session.id), tee: session.tee }, "auth");
    reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(session.expiresAt));
    return { nonce: session.nonce, "extra-params": "" };
  });

  app.post(`${KBS_PREFIX}/attest`, async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (!id) throw new Refusal("MissingCookie", `no ${SESSION_COOKIE} cookie: call /auth first`);
    const session = live(sessions.lookup(id));
    if (session.nonceUsed) throw new Refusal("NonceReused", "this session's nonce was already presented; a nonce is good for one attestation");
    session.nonceUsed = true;
    const body = request.body as Record<string, unknown> | undefined;
    const runtime = body?.["runtime-data"] as Record<string, unknown> | undefined;
    const evidence = body?.["tee-evidence"] as Record<string, unknown> | undefined;
    if (!runtime || typeof runtime !== "object" || !evidence || typeof evidence !== "object") throw new Refusal("InvalidRequest", "the body must be a KBS Attestation");
    if (body!["init-data"] !== undefined) throw new Refusal("InvalidRequest", "init-data is not supported by this broker");
    if (runtime.nonce !== session.nonce) throw new Refusal("NonceMismatch", "the runtime data's nonce is not this session's challenge");
    const teePubKey = checkTeePubKey(runtime["tee-pubkey"]);
    if (typeof teePubKey === "string") throw new Refusal("InvalidRequest", teePubKey);
    const additional = evidence.additional_evidence ?? "";
    if (additional !== "") throw new Refusal("InvalidRequest", "additional evidence is not supported by this broker");
    const digest = runtimeDataDigest(runtime["tee-pubkey"], session.nonce, "", DEFAULT_HASH_ALGORITHM);
    const result = verifyEvidence(session.tee, evidence.primary_evidence, digest, { now: clock(), collateral, allowSample: options.allowSample ?? false, root: options.root });
    if (!result.ok) throw new Refusal(result.kind, result.detail);
    if (session.tee === "sample") request.log.warn({ session: sessionTag(session.id) }, "INSECURE: accepted unsigned sample evidence (--insecure-allow-sample)");
    const token = await tokens.issue(result.claims, teePubKey, session.expiresAt);
    session.attested = { claims: result.claims, teePubKey, token };
    request.log.info({ session: sessionTag(session.id), tee: session.tee, mr_enclave: result.claims.mr_enclave, tcb: result.claims.tcb_status }, "attested");
    reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(session.expiresAt));
    return { token };
  });

  app.get<{ Params: { repository: string; type: string; tag: string } }>(`${KBS_PREFIX}/resource/:repository/:type/:tag`, async (request: FastifyRequest<{ Params: { repository: string; type: string; tag: string } }>, reply) => {
    const auth = request.headers.authorization;
    let attested;
    if (auth?.startsWith("Bearer ")) {
      const verified = await tokens.verify(auth.slice(7));
      if (!verified) throw new Refusal("TokenInvalid", "the attestation token does not verify or has expired");
      attested = verified;
    } else {
      const id = request.cookies[SESSION_COOKIE];
      if (!id) throw new Refusal("MissingCookie", `no ${SESSION_COOKIE} cookie and no attestation token`);
      const session = live(sessions.lookup(id));
      if (!session.attested) throw new Refusal("NotAttested", "the session has not attested; call /attest first");
      attested = session.attested;
    }
    const refusals = evaluatePolicy(options.policy, attested.claims, { allowSample: options.allowSample ?? false });
    const { repository, type, tag } = request.params;
    const path = `${repository}/${type}/${tag}`;
    if (refusals.length) {
      request.log.warn({ resource: path, rules: refusals.map((r) => r.rule) }, "policy denies");
      throw new Refusal("PolicyDeny", refusals.map((r) => `${r.rule}: ${r.detail}`).join("; "));
    }
    const resource = await options.resources.get(path);
    if (!resource) throw new Refusal("ResourceNotFound", `no resource ${path}`);
    try {
      const jwe = await encryptResource(resource, attested.teePubKey);
      request.log.info({ resource: path }, "released");
      return reply.type("application/json").send(jwe);
    } finally {
      resource.fill(0);
    }
  });

  return app;
}
