import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { GRAMINE_HELPER_THREADS } from "../../src/tee/sizing.js";
import { fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";
import { checkAgainstSchema } from "./gramine-schema.js";

/**
 * `msplit gramine manifest`: the template is valid TOML once its Jinja placeholders are rendered,
 * uses only keys current Gramine accepts, and covers every file `msplit infer` opens: the test runs
 * the manifest's own argv and environment on the host under strace and checks each opened path
 * against the trusted and allowed files, the mounts and Gramine's pseudo-filesystems.
 */

const dir = tempDir("msplit-gramine-");
const run = join(dir.path, "run");
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const hasStrace = spawnSync("strace", ["-V"]).status === 0;

/** What `gramine-manifest -D...` fills in; values for this machine. */
const RENDER: Record<string, string> = {
  "gramine.libos": "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so",
  "gramine.runtimedir()": "/usr/lib/x86_64-linux-gnu/gramine/runtime/glibc",
  arch_libdir: "/lib/x86_64-linux-gnu",
  node: process.execPath,
  msplit_root: repoRoot,
  log_level: "error",
};

function render(template: string): string {
  const out = template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => RENDER[name] ?? assert.fail(`unknown placeholder ${name}`));
  assert.doesNotMatch(out, /\{[{%#]/, "Jinja syntax left after rendering");
  return out;
}

interface Mount {
  path: string;
  uri?: string;
  type?: string;
  key_name?: string;
}
interface Manifest {
  loader: { argv: string[]; env: Record<string, string>; log_level: string };
  libos: { entrypoint: string };
  fs: { mounts: Mount[] };
  sgx: { enclave_size: string; max_threads: number; remote_attestation: string; trusted_files: string[]; allowed_files: string[] };
}

function generate(args: string[]): { template: string; manifest: Manifest; makefile: string } {
  const r = runCli(["gramine", "manifest", "-o", "msplit.manifest.template", "--force", ...args], { cwd: run });
  assert.equal(r.status, 0, r.stderr);
  const template = readFileSync(join(run, "msplit.manifest.template"), "utf8");
  const manifest = parseToml(render(template)) as unknown as Manifest;
  return { template, manifest, makefile: readFileSync(join(run, "Makefile"), "utf8") };
}

before(() => {
  mkdirSync(join(run, "input"), { recursive: true });
  copyFileSync(join(repoRoot, "assets", "chelsea.jpg"), join(run, "input", "image.jpg"));
  writeFileSync(join(run, "wrap.key"), Buffer.from("9f1c2a4b7d3e5f60718293a4b5c6d7e8", "hex"), { mode: 0o600 });
  for (const args of [
    ["split", model, "--parts", "3", "--seal", "--container", "gramine-pf", "--wrap-key", "wrap.key", "-o", "models/sq"],
    ["keygen", "-o", "secrets-plain/model.key"],
    ["split", model, "--parts", "3", "--seal", "--key", "secrets-plain/model.key", "-o", "models/sealed"],
    // What the encrypted mounts show the enclave: the plaintext of the protected files.
    ["pf", "decrypt", "-w", "wrap.key", "-i", "models/sq", "-o", "view/model"],
  ]) {
    const r = runCli(args, { cwd: run });
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  }
});
after(() => dir.cleanup());

function checkCommon(m: Manifest): void {
  checkAgainstSchema(m);
  assert.equal(m.sgx.remote_attestation, "dcap");
  assert.ok(["none", "error", "warning", "debug", "trace", "all"].includes(m.loader.log_level));
  for (const mt of m.fs.mounts) assert.ok(["chroot", "encrypted", "tmpfs", undefined].includes(mt.type), mt.path);
  assert.equal(m.libos.entrypoint, process.execPath);
  assert.equal(m.loader.argv[0], process.execPath);
  const size = /^(\d+)G$/.exec(m.sgx.enclave_size);
  assert.ok(size, m.sgx.enclave_size);
  const g = Number(size[1]);
  assert.ok(g >= 2 && (g & (g - 1)) === 0, `enclave_size ${m.sgx.enclave_size} is a power of two >= 2G`);
}

describe("pf mode", () => {
  let gen: ReturnType<typeof generate>;
  before(() => {
    gen = generate(["models/sq", "--mode", "pf", "--key-name", "model_key"]);
  });

  test("valid TOML with only keys current Gramine accepts; no host-controlled argv or env", () => {
    checkCommon(gen.manifest);
    const loader = gen.manifest.loader as unknown as Record<string, unknown>;
    assert.equal(loader.insecure__use_cmdline_argv, undefined);
    assert.equal(loader.insecure__use_host_env, undefined);
  });

  test("the bundle and result.txt are encrypted mounts with the key name; the manifest names the mount for --require-sealed", () => {
    const m = gen.manifest;
    const model = m.fs.mounts.find((x) => x.path === "/msplit/model")!;
    assert.deepEqual({ ...model }, { path: "/msplit/model", uri: "file:models/sq", type: "encrypted", key_name: "model_key" });
    assert.equal(m.fs.mounts.find((x) => x.path === "/msplit/output")!.type, "encrypted");
    assert.equal(m.loader.env.MSPLIT_ENCRYPTED_MOUNT, "/msplit/model");
    assert.equal(m.loader.env.MSPLIT_ENCLAVE, "1");
    assert.deepEqual([...m.sgx.allowed_files], ["file:input/image.jpg"], "the image is the only untrusted host file");
    assert.ok(!m.sgx.trusted_files.some((f) => f.includes("models/sq")), "encrypted files are not trusted files");
    assert.match(gen.makefile, /gramine-manifest[\s\S]*gramine-sgx-sign --manifest \$< --output \$<\.sgx[\s\S]*gramine-sgx msplit/);
  });

  test("every file msplit infer opens (argv and env of the manifest, run under strace) is covered", { skip: hasStrace ? false : "strace is not installed (apt-get install strace)" }, () => {
    coverage(gen.manifest, { "/msplit/model": join(run, "view", "model"), "/msplit/output": join(run, "out-pf") });
  });
});

describe("app mode", () => {
  let gen: ReturnType<typeof generate>;
  before(() => {
    gen = generate(["models/sealed", "--mode", "app", "--app-key", "secrets/model.key"]);
  });

  test("valid TOML with only keys current Gramine accepts; the sealed bundle is trusted, its key in an encrypted mount", () => {
    const m = gen.manifest;
    checkCommon(m);
    assert.ok(m.sgx.trusted_files.includes("file:models/sealed/"));
    assert.deepEqual({ ...m.fs.mounts.find((x) => x.path === "/msplit/secrets") }, { path: "/msplit/secrets", uri: "file:secrets", type: "encrypted", key_name: "model_key" });
    assert.ok(m.loader.argv.includes("/msplit/secrets/model.key"));
    assert.equal(m.loader.env.MSPLIT_ENCRYPTED_MOUNT, undefined, "a sealed bundle needs no encrypted-mount exception");
  });

  test("every file msplit infer opens is covered", { skip: hasStrace ? false : "strace is not installed (apt-get install strace)" }, () => {
    coverage(gen.manifest, { "/msplit/secrets": join(run, "secrets-plain") });
  });
});

test("app mode with the key broker: its arguments are fixed in argv, no key mount, names resolved inside", () => {
  const { manifest } = generate(["models/sealed", "--mode", "app", "--", "--kbs", "https://kbs.example:8443", "--resource", "default/msplit/sq"]);
  checkAgainstSchema(manifest);
  assert.deepEqual(manifest.loader.argv.slice(-4), ["--kbs", "https://kbs.example:8443", "--resource", "default/msplit/sq"]);
  assert.ok(!manifest.loader.argv.includes("--key"));
  assert.equal(manifest.fs.mounts.find((x) => x.path === "/msplit/secrets"), undefined);
  assert.equal((manifest as unknown as { sys: Record<string, unknown> }).sys.enable_extra_runtime_domain_names_conf, true);
  if (existsSync("/etc/nsswitch.conf")) assert.ok(manifest.sgx.trusted_files.includes("file:/etc/nsswitch.conf"), "the resolver's configuration is trusted");
});

test("mode and bundle must agree; existing outputs are kept", () => {
  let r = runCli(["gramine", "manifest", "models/sealed", "--mode", "pf", "-o", "x.manifest.template"], { cwd: run });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^msplit: ERR_USAGE: .*not a Gramine-PF bundle/);
  r = runCli(["gramine", "manifest", "models/sq", "-o", "msplit.manifest.template"], { cwd: run });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^msplit: ERR_OUTPUT_EXISTS: /);
});

/**
 * Pseudo-files Gramine itself provides (libos/src/fs/{proc,sys,dev}): never host files.
 */
const GRAMINE_PSEUDO = [
  /^\/proc\/(self|\d+)\/(maps|cmdline|status|statm|stat|exe|root|cwd|fd|task)(\/|$)/,
  /^\/proc\/(cpuinfo|meminfo|stat)$/,
  /^\/proc\/sys\/kernel\/pid_max$/,
  /^\/sys\/devices\/system\/(cpu|node)(\/|$)/,
  /^\/dev\/(null|zero|random|urandom|tty|stdin|stdout|stderr|fd\/\d+)$/,
];

/**
 * Files Node, libuv or onnxruntime open on a Linux host that Gramine does not provide: inside the
 * enclave the open fails with ENOENT and the opener goes on without them.
 */
const ABSENT_IN_GRAMINE: [RegExp, string][] = [
  [/^\/etc\/ld\.so\.cache$/, "glibc's loader cache: Gramine's loader finds libraries through loader.env.LD_LIBRARY_PATH"],
  [/^\/proc\/self\/cgroup$|^\/sys\/fs\/cgroup\//, "libuv's cgroup memory-limit probe: no limit known"],
  [/^\/proc\/sys\/vm\/overcommit_memory$/, "V8's overcommit probe: assumes the default"],
  [/^\/sys\/bus\/pci\/devices(\/|$)/, "onnxruntime's accelerator discovery: no PCI devices, CPU provider only"],
  [/^\/etc\/(resolv\.conf|nsswitch\.conf|hosts|host\.conf|gai\.conf)$/, "Node's resolver set-up at start: no name is resolved without a key server (with one, the manifest trusts them and Gramine provides resolv.conf)"],
];

function coverage(m: Manifest, hostView: Record<string, string>): void {
  // Host path for an enclave path, through the mounts (longest mount path first); the test's
  // stand-ins replace encrypted mounts by their plaintext view.
  const mounts = [...m.fs.mounts].sort((a, b) => b.path.length - a.path.length);
  const toHost = (p: string): string => {
    for (const [enclave, host] of Object.entries(hostView)) if (p === enclave || p.startsWith(`${enclave}/`)) return host + p.slice(enclave.length);
    const mt = mounts.find((x) => x.uri && (p === x.path || p.startsWith(`${x.path}/`)));
    return mt ? resolve(run, mt.uri!.replace(/^file:/, "")) + p.slice(mt.path.length) : p;
  };
  for (const d of Object.values(hostView)) mkdirSync(d, { recursive: true });
  const argv = m.loader.argv.map((a) => (a.startsWith("/msplit/") ? toHost(a) : a));
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", MSPLIT_REPORT_RUSAGE: "1" };
  for (const [k, v] of Object.entries(m.loader.env)) env[k] = v.startsWith("/msplit/") ? toHost(v) : v;
  const log = join(dir.path, `strace-${Date.now()}.log`);
  const r = spawnSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=open,openat,openat2,creat,clone,clone3,exit", ...argv], { cwd: run, env, encoding: "utf8" });
  assert.equal(r.status, 0, `the manifest's argv failed on the host: ${r.stderr}`);
  assert.match(readFileSync(join(toHost("/msplit/output"), "result.txt"), "utf8"), /^\('.+', [\d.]+\)$/m);

  // Back from host to enclave paths, then: encrypted mount, trusted or allowed file, Gramine's own, or known-absent.
  const toEnclave = (host: string): string => {
    for (const [enclave, view] of Object.entries(hostView)) if (host === view || host.startsWith(`${view}/`)) return enclave + host.slice(view.length);
    const mt = mounts.find((x) => x.uri && x.uri !== "file:" + x.path && (host === resolve(run, x.uri.slice(5)) || host.startsWith(`${resolve(run, x.uri.slice(5))}/`)));
    return mt ? mt.path + host.slice(resolve(run, mt.uri!.slice(5)).length) : host;
  };
  // Symbolic links resolved on both sides, as gramine-manifest does when it hashes trusted files.
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const hostUri = (u: string): string => real(resolve(run, u.replace(/^file:/, "")));
  const listed = [...m.sgx.trusted_files, ...m.sgx.allowed_files].map((u) => ({ path: hostUri(u), dir: u.endsWith("/") }));
  const encryptedMounts = m.fs.mounts.filter((x) => x.type === "encrypted").map((x) => x.path);
  const lines = readFileSync(log, "utf8").split("\n");
  const opened = new Set<string>();
  for (const line of lines) {
    const mm = /\bopen(?:at2?)?\((?:AT_FDCWD, |\d+, )?"([^"]+)".*\) = (\d+)$|\bcreat\("([^"]+)".*\) = (\d+)$/.exec(line);
    if (mm) opened.add(resolve(run, mm[1] ?? mm[3]!));
  }
  assert.ok(opened.size > 50, `strace saw ${opened.size} opens`);
  const uncovered: string[] = [];
  for (const host of opened) {
    const enclave = toEnclave(host);
    if (encryptedMounts.some((p) => enclave === p || enclave.startsWith(`${p}/`))) continue;
    if (GRAMINE_PSEUDO.some((re) => re.test(enclave)) || ABSENT_IN_GRAMINE.some(([re]) => re.test(enclave))) continue;
    const file = real(isAbsolute(enclave) ? toHost(enclave) : enclave);
    if (listed.some((l) => (l.dir ? file === l.path || file.startsWith(`${l.path}/`) || `${file}/` === `${l.path}/` : file === l.path))) continue;
    // A directory opened to be listed is covered when trusted entries lie inside it.
    if (listed.some((l) => l.path.startsWith(`${file}/`))) continue;
    uncovered.push(`${host} (enclave ${enclave})`);
  }
  assert.deepEqual(uncovered, [], "files opened but not covered by the manifest");

  // Threads: the most alive at once, plus Gramine's helpers, must fit sgx.max_threads.
  let alive = 1;
  let peak = 1;
  for (const line of lines) {
    if (/\bclone3?\(.*\) = \d+$/.test(line)) peak = Math.max(peak, ++alive);
    else if (/\bexit\(\d+\)/.test(line)) alive--;
  }
  assert.ok(peak + GRAMINE_HELPER_THREADS <= m.sgx.max_threads, `${peak} threads + ${GRAMINE_HELPER_THREADS} helpers > sgx.max_threads ${m.sgx.max_threads}`);

  // Memory: V8's reservation (~1.7 GB) plus what the run used must fit the enclave.
  const rusage = JSON.parse(/msplit-rusage (.*)/.exec(r.stderr)![1]!) as { maxRssKiB: number };
  const enclaveBytes = Number(/^(\d+)G$/.exec(m.sgx.enclave_size)![1]) * 2 ** 30;
  assert.ok(enclaveBytes >= 1.7 * 2 ** 30 + rusage.maxRssKiB * 1024, `enclave ${m.sgx.enclave_size} < 1.7 GiB + peak RSS ${rusage.maxRssKiB} KiB`);
}
