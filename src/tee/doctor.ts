import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { detectEnclave, type EnclaveInfo } from "../util/enclave.js";

/**
 * `msplit doctor`: what this machine offers for running msplit in an enclave. Every probe reads
 * files or runs `--version`; none of them fails the report, so it also runs where SGX is absent.
 */

export interface DoctorOptions {
  /** Prefix for every system path (tests imitate an SGX machine in a directory). Default "/". */
  root?: string;
  /** Where tools are looked up (default: PATH). */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Probe {
  what: string;
  ok: boolean;
  detail: string;
}

export interface Tool {
  name: string;
  path?: string;
  version?: string;
}

export interface Mode {
  mode: string;
  ok: boolean;
  why: string;
}

export interface DoctorReport {
  sgx: Probe[];
  services: Probe[];
  tools: Tool[];
  enclave: EnclaveInfo;
  modes: Mode[];
}

export const SGX_DEVICES = ["/dev/sgx_enclave", "/dev/sgx_provision"];
export const AESM_SOCKET = "/var/run/aesmd/aesm.socket";
export const DCAP_LIBRARY = "libsgx_dcap_ql.so.1";
const LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/lib"];
export const TOOLS = ["gramine-sgx", "gramine-direct", "gramine-manifest", "gramine-sgx-sign", "gramine-sgx-pf-crypt", "myst"];

export function doctor(options: DoctorOptions = {}): DoctorReport {
  const root = options.root ?? "/";
  const at = (p: string): string => join(root, p);
  const kind = (p: string): string | undefined => {
    try {
      const st = statSync(at(p));
      return st.isCharacterDevice() ? "character device" : st.isSocket() ? "socket" : st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
    } catch {
      return undefined;
    }
  };

  const sgx: Probe[] = SGX_DEVICES.map((d) => {
    const k = kind(d);
    return { what: d, ok: k !== undefined && k !== "directory", detail: k ?? "absent (in-kernel SGX driver, Linux >= 5.11, with SGX enabled in the BIOS)" };
  });
  const flags = cpuFlags(at("/proc/cpuinfo"));
  sgx.push({ what: "CPU flag sgx", ok: flags.has("sgx"), detail: flags.size === 0 ? "/proc/cpuinfo unreadable" : flags.has("sgx") ? "present" : "absent" });
  sgx.push({ what: "FLC (flexible launch control, sgx_lc)", ok: flags.has("sgx_lc"), detail: flags.has("sgx_lc") ? "present: DCAP works" : "absent: DCAP attestation and unsigned launch need FLC" });
  const epc = epcBytes(at("/sys/devices/system/node"));
  sgx.push({ what: "EPC size", ok: epc !== undefined && epc > 0, detail: epc === undefined ? "not readable (sysfs sgx_total_bytes, Linux >= 6.0)" : `${(epc / 2 ** 20).toFixed(0)} MiB` });

  const aesm = kind(AESM_SOCKET);
  const dcap = LIBRARY_DIRS.map((d) => join(d, DCAP_LIBRARY)).find((p) => kind(p) === "file");
  const qcnl = kind("/etc/sgx_default_qcnl.conf");
  const services: Probe[] = [
    { what: "AESM service socket", ok: aesm === "socket", detail: aesm ? `${AESM_SOCKET} (${aesm})` : `${AESM_SOCKET} absent (sgx-aesm-service)` },
    { what: "DCAP quote library", ok: dcap !== undefined, detail: dcap ?? `${DCAP_LIBRARY} not found (libsgx-dcap-ql)` },
    { what: "DCAP quote provider config", ok: qcnl === "file", detail: qcnl ? "/etc/sgx_default_qcnl.conf" : "/etc/sgx_default_qcnl.conf absent (libsgx-dcap-default-qpl, PCCS)" },
  ];

  const searchPath = options.path ?? options.env?.PATH ?? process.env.PATH ?? "";
  const tools = TOOLS.map((name) => findTool(name, searchPath));
  const has = (n: string): boolean => tools.some((t) => t.name === n && t.path);

  const devices = sgx[0]!.ok;
  const flc = flags.has("sgx_lc");
  const attest = aesm === "socket" && dcap !== undefined;
  const gramineReady = devices && flc && has("gramine-sgx") && has("gramine-manifest") && has("gramine-sgx-sign");
  const missing = (items: [boolean, string][]): string => items.filter(([ok]) => !ok).map(([, what]) => what).join(", ");
  const modes: Mode[] = [
    { mode: "host: split, seal, pf encrypt/decrypt, run/infer/verify with keys", ok: true, why: "needs nothing but Node.js" },
    { mode: "gramine manifest / mystikos config (generate)", ok: true, why: "pure generation; sign and run where the runtime is" },
    {
      mode: "gramine-sgx (pf or app mode)",
      ok: gramineReady,
      why: gramineReady ? "SGX with FLC and Gramine's tools present" : `missing: ${missing([[devices, "/dev/sgx_enclave"], [flc, "FLC"], [has("gramine-sgx"), "gramine-sgx"], [has("gramine-manifest"), "gramine-manifest"], [has("gramine-sgx-sign"), "gramine-sgx-sign"]])}`,
    },
    {
      mode: "remote attestation (DCAP quotes for key release)",
      ok: gramineReady && attest,
      why: gramineReady && attest ? "AESM socket and the DCAP library present" : `missing: ${missing([[gramineReady, "a working gramine-sgx"], [aesm === "socket", "AESM socket"], [dcap !== undefined, DCAP_LIBRARY]])}`,
    },
    { mode: "gramine-direct (no SGX, to debug a manifest)", ok: has("gramine-direct"), why: has("gramine-direct") ? "present" : "missing: gramine-direct" },
    {
      mode: "Mystikos (myst package-sgx)",
      ok: devices && has("myst"),
      why: devices && has("myst") ? "SGX and myst present" : `missing: ${missing([[devices, "/dev/sgx_enclave"], [has("myst"), "myst"]])}`,
    },
  ];
  const enclave = detectEnclave({ env: options.env, attestationRoot: at("/dev/attestation") });
  return { sgx, services, tools, enclave, modes };
}

function cpuFlags(cpuinfo: string): Set<string> {
  try {
    const line = readFileSync(cpuinfo, "utf8").split("\n").find((l) => l.startsWith("flags"));
    return new Set(line ? line.split(":")[1]!.trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** Sum of sysfs' per-node sgx_total_bytes, where the kernel exposes it. */
function epcBytes(nodes: string): number | undefined {
  let total: number | undefined;
  try {
    for (const n of readdirSync(nodes).filter((x) => /^node\d+$/.test(x))) {
      try {
        const v = Number(readFileSync(join(nodes, n, "x86", "sgx_total_bytes"), "utf8").trim());
        if (Number.isFinite(v)) total = (total ?? 0) + v;
      } catch {
        /* this node has none */
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

function findTool(name: string, searchPath: string): Tool {
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      const st = statSync(p);
      if (!st.isFile() || (st.mode & 0o111) === 0) continue;
    } catch {
      continue;
    }
    // Only a successful --version counts: tools without the flag print their usage and fail.
    const r = spawnSync(p, ["--version"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "pipe"] });
    const first = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.split("\n").map((l) => l.trim()).find((l) => l !== "");
    return r.status === 0 && first ? { name, path: p, version: first.slice(0, 120) } : { name, path: p };
  }
  return { name };
}
