import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { IoError } from "../errors.js";

/**
 * The files msplit's `infer` reads at run time, for a TEE's list of trusted files: msplit's own
 * build, its production dependencies (not devDependencies), and a few host files Node.js opens.
 */

/** The msplit package root (holding package.json, dist/, assets/, node_modules/). */
export function msplitRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new IoError("cannot find msplit's package.json above its code");
    dir = up;
  }
  return dir;
}

/** Paths relative to the package root; directories end with "/". */
export function msplitAppFiles(root: string): string[] {
  const files = ["package.json", "dist/", "assets/"];
  const whole: string[] = [];
  for (const pkg of productionPackages(root)) {
    // A package inside one listed whole (its own node_modules) is covered already.
    if (whole.some((w) => pkg.startsWith(`${w}/`))) continue;
    const entries = packageEntries(root, pkg);
    if (entries.length === 1 && entries[0] === `${pkg}/`) whole.push(pkg);
    files.push(...entries);
  }
  return files;
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Every installed package reachable from the root's dependencies (optional and peer ones when
 * installed: npm installs peers, and pkijs imports its peer asn1js), resolved as Node resolves
 * them: node_modules of the requiring package, then its parents.
 */
export function productionPackages(root: string): string[] {
  const found = new Set<string>();
  const visit = (from: string): void => {
    const pkg = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as PackageJson;
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
      const dir = resolvePackage(root, from, name);
      if (!dir || found.has(dir)) continue;
      found.add(dir);
      visit(dir);
    }
  };
  visit(root);
  return [...found].map((d) => relative(root, d).split(sep).join("/")).sort();
}

function resolvePackage(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/**
 * A package directory as trusted entries. Packages that ship native builds for every platform under
 * bin/napi-v*\/<os>/<arch>/ (onnxruntime-node: 288 MB) keep only this platform's, so the signer does
 * not hash binaries the enclave never loads.
 */
function packageEntries(root: string, pkg: string): string[] {
  const dir = join(root, pkg);
  const napis = existsSync(join(dir, "bin")) ? readdirSync(join(dir, "bin")).filter((n) => /^napi-v\d+$/.test(n)) : [];
  if (napis.length === 0) return [`${pkg}/`];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "bin" || e.name === "node_modules") continue; // nested packages are listed on their own
    out.push(`${pkg}/${e.name}${e.isDirectory() ? "/" : ""}`);
  }
  for (const napi of napis) {
    const own = `bin/${napi}/${process.platform}/${process.arch}`;
    if (existsSync(join(dir, own))) out.push(`${pkg}/${own}/`);
  }
  return out;
}

/**
 * Host files Node.js opens at start that are not in the library directories: OpenSSL's
 * configuration and the CA bundle (Debian's node reads both). Listed when present here.
 */
export const NODE_HOST_FILES = ["/etc/ssl/openssl.cnf", "/etc/ssl/certs/ca-certificates.crt"];

/**
 * What glibc's resolver reads besides /etc/resolv.conf, which Gramine itself provides with
 * sys.enable_extra_runtime_domain_names_conf: needed only when the enclave must reach a key server.
 */
export const NETWORK_HOST_FILES = ["/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf"];

export function presentHostFiles(candidates: readonly string[] = NODE_HOST_FILES): string[] {
  return candidates.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}
