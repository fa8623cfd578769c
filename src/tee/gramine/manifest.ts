import { posix } from "node:path";
import { UsageError } from "../../errors.js";
import type { PipelineMode } from "../../runtime/pipeline.js";
import { normalizePfPath } from "../../seal/gramine-pf/index.js";
import { ENCLAVE_ENV, ENCRYPTED_MOUNT_ENV } from "../../util/enclave.js";
import type { BundleFacts } from "../bundle-facts.js";
import { appThreads, enclaveSize, GRAMINE_HELPER_THREADS } from "../sizing.js";

/**
 * A Gramine manifest template for `msplit infer` (docs/gramine.md), in current syntax (Gramine
 * 1.5+: fs.mounts, sgx.max_threads, sgx.trusted_files arrays, fixed loader.argv). Host-specific
 * paths stay Jinja placeholders that `gramine-manifest -D...` fills (see the Makefile).
 *
 * Modes: "pf" reads a Gramine-PF bundle through an encrypted mount keyed by `keyName` (the key is
 * provisioned by Gramine's secret provisioning, SECRET_PROVISION_SET_KEY, or written to
 * /dev/attestation/keys/<keyName>); result.txt goes to an encrypted mount with the same key. "app"
 * runs an msplit sealed bundle pinned as trusted files; its 32-byte key is read from an encrypted
 * mount (or another source the caller passes as extra arguments).
 */

export type GramineMode = "app" | "pf";

/** Where msplit's inputs and outputs appear inside the enclave. */
export const ENCLAVE_PATHS = {
  model: "/msplit/model",
  input: "/msplit/input",
  output: "/msplit/output",
  secrets: "/msplit/secrets",
  secretProvisionCa: "/msplit/secret-prov-ca.crt",
} as const;

export interface GramineManifestOptions {
  mode: GramineMode;
  /** The bundle's host path as gramine-sgx sees it (relative to where it runs, or absolute). */
  bundle: string;
  facts: BundleFacts;
  /** Encrypted-mount key name (default "model_key"). */
  keyName?: string;
  /** Host path of the image to classify (default "input/image.jpg"). */
  image?: string;
  /** Host directory for result.txt (default "output"). */
  outputDir?: string;
  /** onnxruntime intra-op threads (default 2). */
  threads?: number;
  /** Pipeline mode (default: resident for pf, stream for app, which works for either part format). */
  pipeline?: PipelineMode;
  /** app mode: host path of the encrypted-mount file holding the msplit key (default "secrets/model.key"). */
  appKey?: string;
  /** Gramine secret provisioning: servers ("host:port;host:port") and the CA certificate's host path. */
  secretProvision?: { servers: string; caCert: string };
  /** More arguments for `msplit infer` (fixed in the manifest, like the rest of argv). */
  inferArgs?: string[];
  /** Host files Node opens besides the library directories (NODE_HOST_FILES that exist). */
  hostFiles: string[];
  /** Host files name resolution reads (NETWORK_HOST_FILES that exist), trusted when a key server must be reached. */
  networkFiles?: string[];
  /** msplit's own files relative to its root (msplitAppFiles). */
  appFiles: string[];
  logLevel?: string;
}

export interface GramineManifest {
  template: string;
  enclaveSize: string;
  maxThreads: number;
  /** loader.argv with placeholders. */
  argv: string[];
}

/** TOML basic strings: JSON's escaping is a subset of TOML's. */
const str = (s: string): string => JSON.stringify(s);

function hostPath(p: string, what: string): string {
  if (/[{}]/.test(p)) throw new UsageError(`${what} ${JSON.stringify(p)}: braces would be read as Jinja placeholders`);
  const n = normalizePfPath(p);
  if (n === "" || n === "/") throw new UsageError(`${what} ${JSON.stringify(p)} names no file or directory`);
  return n;
}

export function gramineManifest(o: GramineManifestOptions): GramineManifest {
  const keyName = o.keyName ?? "model_key";
  if (!/^[A-Za-z0-9_.-]+$/.test(keyName) || keyName.startsWith("_")) throw new UsageError(`invalid key name ${JSON.stringify(keyName)} (letters, digits, _ . -; names starting with _ are Gramine's own)`);
  if (o.mode === "pf" && o.facts.kind !== "gramine-pf")
    throw new UsageError(`${o.bundle} is not a Gramine-PF bundle (seal it with --container gramine-pf --wrap-key), which --mode pf mounts encrypted`);
  if (o.mode === "app" && o.facts.kind !== "bundle")
    throw new UsageError(`${o.bundle} is not an msplit sealed bundle, which --mode app runs (for a Gramine-PF bundle use --mode pf)`);
  const bundle = hostPath(o.bundle, "bundle");
  const image = hostPath(o.image ?? "input/image.jpg", "image");
  const outputDir = hostPath(o.outputDir ?? "output", "output directory");
  const threads = o.threads ?? 2;
  const pipeline = o.pipeline ?? (o.mode === "pf" ? "resident" : "stream");
  // The key broker (--kbs) or an explicit --key replaces the key file in an encrypted mount.
  const brokered = o.inferArgs?.includes("--kbs") ?? false;
  const appKey = o.mode === "app" && !brokered && !o.inferArgs?.includes("--key") ? hostPath(o.appKey ?? "secrets/model.key", "key file") : undefined;
  const network = brokered || o.secretProvision !== undefined;
  const hostFiles = [...o.hostFiles, ...(network ? (o.networkFiles ?? []) : [])];
  const size = enclaveSize(o.facts.bytes, pipeline);
  const maxThreads = appThreads(threads, pipeline, o.facts.parts) + GRAMINE_HELPER_THREADS + (o.secretProvision ? 1 : 0);

  const imageDir = posix.dirname(image);
  const argv = [
    "{{ node }}",
    "--v8-pool-size=2",
    "{{ msplit_root }}/dist/cli/main.js",
    "infer",
    ENCLAVE_PATHS.model,
    "--image",
    `${ENCLAVE_PATHS.input}/${posix.basename(image)}`,
    "-o",
    `${ENCLAVE_PATHS.output}/result.txt`,
    "--threads",
    String(threads),
    "--mode",
    pipeline,
    ...(appKey ? ["--key", `${ENCLAVE_PATHS.secrets}/${posix.basename(appKey)}`] : []),
    ...(o.inferArgs ?? []),
  ];
  for (const a of argv) if (a.includes("{%") || a.includes("{#") || (a.includes("{{") && !a.startsWith("{{ "))) throw new UsageError(`argument ${JSON.stringify(a)} would be read as Jinja`);

  const encrypted = (path: string, uri: string): string => `{ path = ${str(path)}, uri = ${str(`file:${uri}`)}, type = "encrypted", key_name = ${str(keyName)} }`;
  const chroot = (path: string, uri: string): string => `{ path = ${str(path)}, uri = ${str(`file:${uri}`)} }`;
  const mounts = [
    chroot("/lib", "{{ gramine.runtimedir() }}"),
    chroot("{{ arch_libdir }}", "{{ arch_libdir }}"),
    chroot("/usr{{ arch_libdir }}", "/usr{{ arch_libdir }}"),
    chroot("{{ node }}", "{{ node }}"),
    chroot("{{ msplit_root }}", "{{ msplit_root }}"),
    ...hostFiles.map((f) => chroot(f, f)),
    o.mode === "pf" ? encrypted(ENCLAVE_PATHS.model, bundle) : chroot(ENCLAVE_PATHS.model, bundle),
    chroot(ENCLAVE_PATHS.input, imageDir),
    o.mode === "pf" ? encrypted(ENCLAVE_PATHS.output, outputDir) : chroot(ENCLAVE_PATHS.output, outputDir),
    ...(appKey ? [encrypted(ENCLAVE_PATHS.secrets, posix.dirname(appKey))] : []),
    ...(o.secretProvision ? [chroot(ENCLAVE_PATHS.secretProvisionCa, hostPath(o.secretProvision.caCert, "CA certificate"))] : []),
    `{ path = "/tmp", type = "tmpfs" }`,
  ];

  const trusted = [
    "file:{{ gramine.libos }}",
    "file:{{ gramine.runtimedir() }}/",
    "file:{{ arch_libdir }}/",
    "file:/usr{{ arch_libdir }}/",
    "file:{{ node }}",
    ...hostFiles.map((f) => `file:${f}`),
    ...o.appFiles.map((f) => `file:{{ msplit_root }}/${f}`),
    ...(o.mode === "app" ? [`file:${bundle}/`] : []),
    ...(o.secretProvision ? [`file:${hostPath(o.secretProvision.caCert, "CA certificate")}`] : []),
  ];
  const allowed = [`file:${image}`, ...(o.mode === "app" ? [`file:${outputDir}/`] : [])];

  const env: [string, string][] = [
    ["LD_LIBRARY_PATH", "/lib:{{ arch_libdir }}:/usr{{ arch_libdir }}"],
    [ENCLAVE_ENV, "1"],
    ...(o.mode === "pf" ? ([[ENCRYPTED_MOUNT_ENV, ENCLAVE_PATHS.model]] as [string, string][]) : []),
    ["UV_THREADPOOL_SIZE", "2"],
    ["VIPS_CONCURRENCY", "1"],
    ...((o.secretProvision
      ? [
          ["LD_PRELOAD", "libsecret_prov_attest.so"],
          ["SECRET_PROVISION_CONSTRUCTOR", "1"],
          ["SECRET_PROVISION_SET_KEY", keyName],
          ["SECRET_PROVISION_SERVERS", o.secretProvision.servers],
          ["SECRET_PROVISION_CA_CHAIN_PATH", ENCLAVE_PATHS.secretProvisionCa],
        ]
      : []) as [string, string][]),
  ];

  const lines = [
    `# Gramine manifest template for msplit infer, ${o.mode} mode, generated by msplit gramine manifest for ${bundle}.`,
    `# Render and sign with the Makefile beside it (gramine-manifest, gramine-sgx-sign), run with gramine-sgx. See docs/gramine.md.`,
    `# Model: ${o.facts.parts} parts, ${(o.facts.bytes / 1e6).toFixed(1)} MB; pipeline ${pipeline}, ${threads} onnxruntime thread(s).`,
    "",
    `libos.entrypoint = "{{ node }}"`,
    `loader.entrypoint.uri = "file:{{ gramine.libos }}"`,
    `loader.log_level = "{{ log_level }}"`,
    "",
    "# Fixed arguments: the host's command line is ignored, so it cannot change what runs.",
    `loader.argv = [${argv.map(str).join(", ")}]`,
    "",
    ...env.map(([k, v]) => `loader.env.${k} = ${str(v)}`),
    "",
    "fs.mounts = [",
    ...mounts.map((m) => `  ${m},`),
    "]",
    "",
    ...(network ? ["# The key server's name is resolved inside the enclave.", "sys.enable_extra_runtime_domain_names_conf = true", ""] : []),
    "# V8 wants more than Gramine's default 256K stack.",
    `sys.stack.size = "2M"`,
    "",
    `# 2G for Node/V8 + ${pipeline === "stream" ? 3 : 4} x the model + 256M, rounded up to a power of two.`,
    `sgx.enclave_size = ${str(size.text)}`,
    `# Node (main, V8 and libuv pools, libvips) + onnxruntime's pool + Gramine's helpers.`,
    `sgx.max_threads = ${maxThreads}`,
    `sgx.remote_attestation = "dcap"`,
    `sgx.debug = false`,
    `sgx.edmm_enable = false`,
    "",
    "sgx.trusted_files = [",
    ...trusted.map((t) => `  ${str(t)},`),
    "]",
    "",
    "# Untrusted input and, in app mode, the output directory (result.txt is written through a temporary name).",
    "sgx.allowed_files = [",
    ...allowed.map((t) => `  ${str(t)},`),
    "]",
    "",
  ];
  return { template: lines.join("\n"), enclaveSize: size.text, maxThreads, argv };
}
