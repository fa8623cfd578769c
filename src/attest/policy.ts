import { PolicyInvalid } from "./errors.js";
import { TCB_STATUSES, type TcbStatus } from "./dcap/collateral.js";

/**
 * The relying party's attestation policy (docs/attestation.md, "Policy"): a small JSON file in
 * place of Trustee's Rego. Every refusal names the rule that failed.
 */
export interface AttestationPolicy {
  version: 1;
  /** Accepted enclave measurements (hex, 32 bytes). At least one of mr_enclave / mr_signer. */
  mr_enclave?: string[];
  /** Accepted enclave signers (hex, 32 bytes). */
  mr_signer?: string[];
  isv_prod_id?: number;
  min_isv_svn?: number;
  /** Debug enclaves can be read by the host; refused unless this is true. */
  allow_debug: boolean;
  /** TCB statuses (from the collateral) that are accepted. Default: UpToDate only. */
  accepted_tcb_statuses: TcbStatus[];
  /** Refuse evidence that was verified without collateral (no TCB status, no revocation check). Default true. */
  require_collateral: boolean;
}

/** What verified evidence says about the enclave, the input of a policy. */
export interface EvidenceClaims {
  tee: "sgx" | "sample";
  mr_enclave?: string;
  mr_signer?: string;
  isv_prod_id?: number;
  isv_svn?: number;
  debug?: boolean;
  /** The converged TCB status, when collateral was checked. */
  tcb_status?: TcbStatus;
}

export type PolicyRule = "mr_enclave" | "mr_signer" | "isv_prod_id" | "min_isv_svn" | "allow_debug" | "accepted_tcb_statuses" | "require_collateral" | "sample_evidence";

export interface Refusal {
  rule: PolicyRule;
  detail: string;
}

const KEYS = new Set(["version", "mr_enclave", "mr_signer", "isv_prod_id", "min_isv_svn", "allow_debug", "accepted_tcb_statuses", "require_collateral", "comment"]);

export function parsePolicy(text: string | Uint8Array, what = "the policy"): AttestationPolicy {
  let v: unknown;
  try {
    v = JSON.parse(typeof text === "string" ? text : Buffer.from(text).toString("utf8"));
  } catch (e) {
    throw new PolicyInvalid(`${what} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new PolicyInvalid(`${what} is not a JSON object`);
  const o = v as Record<string, unknown>;
  const fail = (why: string) => new PolicyInvalid(`${what}: ${why}`);
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw fail(`unknown key ${JSON.stringify(k.slice(0, 40))} (a typo would silently weaken the policy)`);
  if (o.version !== 1) throw fail(`"version" must be 1`);
  const hexList = (key: "mr_enclave" | "mr_signer"): string[] | undefined => {
    const x = o[key];
    if (x === undefined) return undefined;
    const list = typeof x === "string" ? [x] : x;
    if (!Array.isArray(list) || list.length === 0 || !list.every((h) => typeof h === "string" && /^[0-9a-fA-F]{64}$/.test(h)))
      throw fail(`"${key}" must be a 32-byte hex string or a non-empty list of them`);
    return list.map((h: string) => h.toLowerCase());
  };
  const u16 = (key: "isv_prod_id" | "min_isv_svn"): number | undefined => {
    const x = o[key];
    if (x === undefined) return undefined;
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffff) throw fail(`"${key}" must be an integer in 0..65535`);
    return x;
  };
  const bool = (key: "allow_debug" | "require_collateral", dflt: boolean): boolean => {
    const x = o[key];
    if (x === undefined) return dflt;
    if (typeof x !== "boolean") throw fail(`"${key}" must be true or false`);
    return x;
  };
  const statuses = o.accepted_tcb_statuses ?? ["UpToDate"];
  if (!Array.isArray(statuses) || !statuses.every((s) => (TCB_STATUSES as readonly unknown[]).includes(s)))
    throw fail(`"accepted_tcb_statuses" must list some of ${TCB_STATUSES.join(", ")}`);
  const policy: AttestationPolicy = {
    version: 1,
    mr_enclave: hexList("mr_enclave"),
    mr_signer: hexList("mr_signer"),
    isv_prod_id: u16("isv_prod_id"),
    min_isv_svn: u16("min_isv_svn"),
    allow_debug: bool("allow_debug", false),
    accepted_tcb_statuses: statuses as TcbStatus[],
    require_collateral: bool("require_collateral", true),
  };
  if (!policy.mr_enclave && !policy.mr_signer) throw fail(`name the accepted enclaves with "mr_enclave" and/or "mr_signer" (without them any enclave, the host's own included, would pass)`);
  if (policy.mr_signer && policy.isv_prod_id === undefined && !policy.mr_enclave)
    throw fail(`"mr_signer" alone accepts every enclave that signer ever signed: add "isv_prod_id" (and "min_isv_svn")`);
  return policy;
}

export interface PolicyOptions {
  /** Sample evidence carries no measurements; accepted only when the broker runs with --insecure-allow-sample. */
  allowSample?: boolean;
}

/** Every rule the claims break (empty: accepted). */
export function evaluatePolicy(policy: AttestationPolicy, claims: EvidenceClaims, options: PolicyOptions = {}): Refusal[] {
  const out: Refusal[] = [];
  if (claims.tee === "sample") {
    if (!options.allowSample) out.push({ rule: "sample_evidence", detail: "sample evidence is unsigned; refused unless the broker runs with --insecure-allow-sample" });
    return out;
  }
  if (policy.mr_enclave && !policy.mr_enclave.includes(claims.mr_enclave ?? "")) out.push({ rule: "mr_enclave", detail: `mr_enclave ${claims.mr_enclave} is not in the policy` });
  if (policy.mr_signer && !policy.mr_signer.includes(claims.mr_signer ?? "")) out.push({ rule: "mr_signer", detail: `mr_signer ${claims.mr_signer} is not in the policy` });
  if (policy.isv_prod_id !== undefined && claims.isv_prod_id !== policy.isv_prod_id) out.push({ rule: "isv_prod_id", detail: `isv_prod_id ${claims.isv_prod_id}, the policy wants ${policy.isv_prod_id}` });
  if (policy.min_isv_svn !== undefined && (claims.isv_svn ?? -1) < policy.min_isv_svn) out.push({ rule: "min_isv_svn", detail: `isv_svn ${claims.isv_svn} is below the minimum ${policy.min_isv_svn}` });
  if (claims.debug !== false && !policy.allow_debug) out.push({ rule: "allow_debug", detail: "a DEBUG enclave (its memory is readable by the host); the policy does not allow_debug" });
  if (claims.tcb_status === undefined) {
    if (policy.require_collateral) out.push({ rule: "require_collateral", detail: "verified without collateral (no TCB status, no revocation check); the policy requires it" });
  } else if (!policy.accepted_tcb_statuses.includes(claims.tcb_status))
    out.push({ rule: "accepted_tcb_statuses", detail: `TCB status ${claims.tcb_status} is not accepted (${policy.accepted_tcb_statuses.join(", ")})` });
  return out;
}
