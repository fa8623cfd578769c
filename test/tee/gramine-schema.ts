import assert from "node:assert/strict";

/**
 * The manifest keys current Gramine accepts, as its schema lists them (python/graminelibos/
 * manifest_check.py at v1.9, the check `gramine-manifest` runs; Documentation/manifest-syntax.rst).
 * A key outside this schema makes gramine-manifest refuse the manifest.
 */

type Schema = "string" | "boolean" | "integer" | { table: Record<string, Schema>; any?: Schema } | { array: Schema } | { oneOf: Schema[] };

const str: Schema = "string";
const bool: Schema = "boolean";
const int: Schema = "integer";
const mountBase = { type: str, uri: str, path: str };
const mount: Schema = {
  oneOf: [
    { table: mountBase },
    { table: { ...mountBase, key_name: str, enable_recovery: bool } },
  ],
};

export const GRAMINE_SCHEMA: Schema = {
  table: {
    fs: { table: { mounts: { array: mount }, root: mount, start_dir: str, insecure__keys: { table: {}, any: str } } },
    libos: { table: { entrypoint: str, check_invalid_pointers: bool } },
    loader: {
      table: {
        entrypoint: { table: { uri: str, sha256: str } },
        argv: { array: str },
        argv_src_file: str,
        env: { table: {}, any: { oneOf: [str, { table: { value: str } }, { table: { passthrough: bool } }] } },
        env_src_file: str,
        gid: int,
        insecure__use_cmdline_argv: bool,
        insecure__use_host_env: bool,
        insecure__disable_aslr: bool,
        log_file: str,
        log_level: str,
        uid: int,
      },
    },
    sgx: {
      table: {
        allowed_files: { array: str },
        cpu_features: { table: { avx: str, avx512: str, amx: str, mpx: str, pkru: str } },
        debug: bool,
        edmm_enable: bool,
        enable_stats: bool,
        enclave_size: str,
        file_check_policy: str,
        insecure__allow_memfaults_without_exinfo: bool,
        insecure__rpc_thread_num: int,
        isvprodid: int,
        isvsvn: int,
        max_threads: int,
        preheat_enclave: bool,
        profile: { table: { enable: str, mode: str, with_stack: bool, frequency: int } },
        remote_attestation: str,
        seal_key: { table: { flags_mask: str, xfrm_mask: str, misc_mask: str } },
        trusted_files: { array: { oneOf: [str, { table: { uri: str, sha256: str } }] } },
        use_exinfo: bool,
        vtune_profile: bool,
      },
    },
    sys: {
      table: {
        allowed_ioctls: { array: { table: { request_code: int, struct: str } } },
        brk: { table: { max_size: str } },
        disallow_subprocesses: bool,
        enable_extra_runtime_domain_names_conf: bool,
        enable_sigterm_injection: bool,
        experimental__enable_flock: bool,
        insecure__allow_eventfd: bool,
        stack: { table: { size: str } },
        fds: { table: { limit: int } },
      },
    },
  },
};

/** Throws, naming the key, on anything the schema does not have (or of the wrong type). */
export function checkAgainstSchema(value: unknown, schema: Schema = GRAMINE_SCHEMA, path = "manifest"): void {
  if (schema === "string") return assert.equal(typeof value, "string", `${path} must be a string`);
  if (schema === "boolean") return assert.equal(typeof value, "boolean", `${path} must be a boolean`);
  if (schema === "integer") return assert.ok(Number.isInteger(value), `${path} must be an integer`);
  if ("oneOf" in schema) {
    const errors: string[] = [];
    for (const s of schema.oneOf) {
      try {
        return checkAgainstSchema(value, s, path);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    assert.fail(`${path} matches no accepted form: ${errors.join("; ")}`);
  }
  if ("array" in schema) {
    assert.ok(Array.isArray(value), `${path} must be an array`);
    value.forEach((v, i) => checkAgainstSchema(v, schema.array, `${path}[${i}]`));
    return;
  }
  assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${path} must be a table`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = schema.table[k] ?? schema.any;
    assert.ok(sub, `${path}.${k} is not a key of Gramine's manifest`);
    checkAgainstSchema(v, sub, `${path}.${k}`);
  }
}
